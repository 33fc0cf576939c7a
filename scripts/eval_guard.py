"""Offline quality numbers for the guard, through ``gateway scan``'s code path (the same pipeline in-process).

    .venv/bin/python scripts/eval_guard.py [--injection PATH] [--pii PATH] [--limit N]

Prints: injection recall / false-positive rate per source; PII recall per structured entity type (a hit is a
finding of that type overlapping the labelled span); generated credentials' recall; findings on negatives
(Luhn-invalid numbers, UUIDs, git hashes) that must be zero; policy precision/recall on the labelled set.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import gzip
import json
import random
import string
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from guard_training.policy_background import benign_prompts, benign_thirds  # noqa: E402

from libs.common.messages import KeyProfile  # noqa: E402
from services.guard.engine.config import GuardConfig  # noqa: E402
from services.guard.engine.pipeline import GuardPipeline  # noqa: E402
from services.guard.engine.profiles import profile_named  # noqa: E402
from tests.unit.guard.creds import credentials, private_key_block  # noqa: E402

STRUCTURED = ("CREDIT_CARD", "US_SSN", "IBAN_CODE", "EMAIL_ADDRESS", "IP_ADDRESS")
LOG: KeyProfile = profile_named("log")
BLOCK = KeyProfile()  # the default profile: every category blocks at risk 5


async def eval_injection(pipeline: GuardPipeline, path: Path, limit: int | None) -> None:
    rows = [json.loads(line) for line in path.open()]
    if limit:
        rows = random.Random(0).sample(rows, min(limit, len(rows)))
    stats: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0, 0])  # pos, tp, neg, fp
    for row in rows:
        v = await pipeline.screen_text(row["text"], LOG)
        hit = "prompt_injection" in v.categories
        s = stats[row["source"]]
        if row["label"] == 1:
            s[0], s[1] = s[0] + 1, s[1] + hit
        else:
            s[2], s[3] = s[2] + 1, s[3] + hit
    print("\n== injection (dev data, detector threshold) ==")
    print(f"{'source':18} {'attacks':>7} {'recall':>7} {'benign':>7} {'FPR':>7}")
    total = [0, 0, 0, 0]
    for source, s in sorted(stats.items()):
        total = [a + b for a, b in zip(total, s, strict=True)]
        print(f"{source:18} {s[0]:7} {_r(s[1], s[0]):>7} {s[2]:7} {_r(s[3], s[2]):>7}")
    print(f"{'ALL':18} {total[0]:7} {_r(total[1], total[0]):>7} {total[2]:7} {_r(total[3], total[2]):>7}")


def _r(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"


async def eval_pii(pipeline: GuardPipeline, path: Path) -> None:
    data = json.loads(path.read_text())  # noqa: ASYNC240 (a one-off read in a script)
    found: collections.Counter = collections.Counter()
    total: collections.Counter = collections.Counter()
    for item in data:
        v = await pipeline.screen_text(item["full_text"], LOG)
        for span in item["spans"]:
            t = span["entity_type"]
            total[t] += 1
            found[t] += any(f.type == t and f.start < span["end_position"] and span["start_position"] < f.end
                            for f in v.assessment.findings)
    print("\n== PII recall per entity type (pii_dev.json) ==")
    for t in sorted(total, key=lambda t: (t not in STRUCTURED, t)):
        tag = "structured" if t in STRUCTURED else "needs NER" if t in ("PERSON", "GPE", "LOCATION", "NRP") else ""
        print(f"{t:20} {found[t]:4}/{total[t]:<4} recall {_r(found[t], total[t])}  {tag}")


async def eval_pii_spans(pipeline: GuardPipeline, path: Path, what: str, show: bool = True,
                         only: frozenset[str] | None = None) -> None:
    """A file of texts with labelled spans (``{"text", "kind", "spans": [{"type", "start", "end"}]}``, written apart
    from the guard): recall per type (a finding of that type overlapping the span; "as another type" when only a
    finding of a different PII/secret type does), and rows without spans that get any PII or secret finding.
    ``show`` lists the misses (not for a held-out file, whose misses nobody should tune on); with ``only``, findings
    of other types are not counted (a file of passwords leaves the e-mail addresses in it unlabelled)."""
    # Stored gzipped: their generated keys are in real formats, which secret scanners would stop at every push.
    rows = [json.loads(line) for line in gzip.open(path, "rt")]
    found: collections.Counter = collections.Counter()
    other: collections.Counter = collections.Counter()
    total: collections.Counter = collections.Counter()
    misses: list[str] = []
    flagged: collections.Counter = collections.Counter()
    clean: collections.Counter = collections.Counter()
    for row in rows:
        findings = [f for f in (await pipeline.screen_text(row["text"], LOG)).assessment.findings
                    if f.category in ("pii", "secret") and (only is None or f.type in only)]
        if not row["spans"]:
            clean[row["kind"]] += 1
            flagged[row["kind"]] += bool(findings)
            if findings and len(misses) < 40:
                misses.append(f"  negative {row['id']} ({row['kind']}): "
                              + ", ".join(f"{f.type} {row['text'][f.start:f.end]!r:.60}" for f in findings))
        for span in row["spans"]:
            t, s, e = span["type"], span["start"], span["end"]
            total[t] += 1
            hit = [f for f in findings if f.start < e and s < f.end]
            found[t] += any(f.type == t for f in hit)
            other[t] += bool(hit) and not any(f.type == t for f in hit)
            if not any(f.type == t for f in hit) and len(misses) < 40:
                misses.append(f"  missed {row['id']} ({row['kind']}) {t} {row['text'][s:e]!r:.60}"
                              + (f" found as {hit[0].type}" if hit else ""))
    print(f"\n== {what} ({path.name}): recall per type (as another type), rows without PII flagged ==")
    for t in sorted(total):
        print(f"{t:15} {found[t]:4}/{total[t]:<4} recall {_r(found[t], total[t])}  ({other[t]} as another type)")
    print(f"all types {sum(found.values())}/{sum(total.values())} = {_r(sum(found.values()), sum(total.values()))}"
          f"   rows without PII flagged: {sum(flagged.values())}/{sum(clean.values())}")
    print("  " + "  ".join(f"{k} {flagged[k]}/{clean[k]}" for k in sorted(clean)))
    if show and misses:
        print("\n".join(misses))


async def eval_credentials_and_negatives(pipeline: GuardPipeline, rounds: int = 20) -> None:
    hits: collections.Counter = collections.Counter()
    n = 0
    random.seed(0)  # the same credentials every run (a word-like letters-only password is missed about 1 in 1,000)
    for _ in range(rounds):
        creds = {**credentials(), "private_key": (private_key_block(), "PRIVATE_KEY"),
                 "connection_string": ("postgres://app:" + _rand(14) + "@db.internal:5432/prod", "PASSWORD"),
                 "password_assignment": ("password=" + _rand(12), "PASSWORD"),
                 "token_assignment": ("OPENAI_API_KEY=" + _rand(32), "API_KEY"),
                 "bearer_token": ("-H 'Authorization: Bearer " + _rand(40) + "'", "API_KEY"),
                 "http_basic": ("Authorization: Basic " + base64.b64encode(f"svc:{_rand(12)}".encode()).decode(),
                                "PASSWORD"),
                 "curl_user": ("curl -u deploy:" + _rand(12) + " https://api.example.com", "PASSWORD"),
                 "mysql_p": ("mysql -u root -p" + _rand(12) + " shop", "PASSWORD"),
                 "netrc": ("machine api.example.com login deploy password " + _rand(12), "PASSWORD"),
                 "pgpass": ("\ndb.internal:5432:orders:app_user:" + _rand(12) + "\n", "PASSWORD"),
                 "login_pair": ("login: admin / " + _rand(12), "PASSWORD"),
                 "camel_case": ('{"dbPassword": "' + _rand(12) + '"}', "PASSWORD"),
                 "key_stated": ("my key is " + _rand(32) + ", why 401?", "API_KEY"),
                 "huggingface": ("hf_" + "".join(random.choice(string.ascii_letters) for _ in range(34)), "API_KEY"),
                 "docker_login": ("docker login -u ci -p " + _rand(12) + " registry.example.com", "PASSWORD")}
        for name, (value, entity) in creds.items():
            v = await pipeline.screen_text(f"config for the deploy: {value} thanks", LOG)
            hits[name] += any(f.type == entity for f in v.assessment.findings)
        n += 1
    print(f"\n== generated credentials ({n} of each) ==")
    print("  ".join(f"{k}={hits[k]}/{n}" for k in sorted(hits)))
    print(f"overall recall {sum(hits.values()) / (n * len(hits)):.3f}")
    rng = random.Random(1)
    negatives = []
    for _ in range(200):
        negatives.append(("luhn_invalid", _luhn_invalid(rng)))
        negatives.append(("uuid", str(uuid.UUID(int=rng.getrandbits(128)))))
        negatives.append(("git_hash", "".join(rng.choice("0123456789abcdef") for _ in range(40))))
    bad: collections.Counter = collections.Counter()
    for kind, value in negatives:
        v = await pipeline.screen_text(f"see {value} in the log", LOG)
        bad[kind] += bool(v.assessment.findings)
    print("== negatives (must be 0) ==  " + "  ".join(f"{k}: {bad[k]}/200 with findings" for k in sorted(bad)))
    # Code and output that handle passwords without holding one (the credential patterns used to flag them).
    code = [t.format(v=rng.choice(["password", "passwd", "pwd", "secret", "token", "api_key"]))
            for t in _CODE_NEGATIVES for _ in range(10)]
    flagged = 0
    for text in code:
        v = await pipeline.screen_text(text, LOG)
        flagged += any(f.category == "secret" for f in v.assessment.findings)
    print(f"== code and prompts that handle secrets without one: {flagged}/{len(code)} with a secret finding")


_CODE_NEGATIVES = (
    "{v} = getpass.getpass('Password: ')", "self.{v} = {v}", "def login(username, {v}=None):",
    "{v} = request.form['{v}']", "const {v} = input.value;", "if {v} == confirm_{v}:\n    save(user)",
    'return {{"{v}": {v}, "user": user}}', "{v}: Optional[str] = None", "{v} = os.environ['DB_PASSWORD']",
    "Enter {v}: \nSorry, try again.", "PASS: tests/test_{v}.py::test_ok", "{v}: Must be at least 8 characters",
)


def _rand(n: int) -> str:
    return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(n))


def _luhn_invalid(rng: random.Random) -> str:
    while True:
        digits = "4" + "".join(rng.choice(string.digits) for _ in range(15))
        total = sum((d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
                    for i, d in enumerate(int(c) for c in reversed(digits)))
        if total % 10:
            return digits


async def eval_benign_prompts(pipeline: GuardPipeline, path: Path, what: str) -> None:
    """Benign instructions to the model that read like injections (an operator's "You are X. Only answer Y. Never
    reveal Z.", a user's "Respond only in JSON, no other text."): flagged as injection when a user sends them, and
    when they are the system message (judged at the system threshold)."""
    rows = [json.loads(line) for line in path.open()]
    benign = [r for r in rows if not r.get("label")]
    attacks = [r for r in rows if r.get("label")]  # a file may also hold attacks dressed the same way
    as_user = as_system = caught = 0
    for row in benign:
        v = await pipeline.screen_text(row["text"], LOG)
        as_user += "prompt_injection" in v.categories
        body = {"messages": [{"role": "system", "content": row["text"]}, {"role": "user", "content": "Hi!"}]}
        v = await pipeline.screen_chat(body, LOG)
        as_system += "prompt_injection" in v.categories
    for row in attacks:
        caught += "prompt_injection" in (await pipeline.screen_text(row["text"], LOG)).categories
    print(f"\n== benign {what} ({path.name}, {len(benign)}; false positives) ==")
    print(f"as a user message: {as_user}/{len(benign)}   as the system message: {as_system}/{len(benign)}")
    if attacks:
        print(f"attacks of the same kind caught as a user message: {caught}/{len(attacks)}")


async def eval_kinds(pipeline: GuardPipeline, path: Path, what: str, as_system: bool = False) -> None:
    """Rows with a ``kind`` (jailbreak families in fresh wording, DevOps requests and exfiltration of the same
    surface), per kind: stopped as injection, and stopped at all (any category acted on, default profile); with
    ``as_system``, also the benign rows flagged as injection when they are the system message."""
    rows = [json.loads(line) for line in path.open()]
    injection: collections.Counter = collections.Counter()
    stopped: collections.Counter = collections.Counter()
    total: collections.Counter = collections.Counter()
    system = 0
    for row in rows:
        v = await pipeline.screen_text(row["text"], BLOCK)
        key = (row["label"], row["kind"])
        total[key] += 1
        injection[key] += "prompt_injection" in v.categories
        stopped[key] += not v.forward
        if as_system and not row["label"]:
            body = {"messages": [{"role": "system", "content": row["text"]}, {"role": "user", "content": "Hi!"}]}
            system += "prompt_injection" in (await pipeline.screen_chat(body, LOG)).categories
    print(f"\n== {what} ({path.name}), per kind: injection / blocked by any category / rows ==")
    for label in (1, 0):
        keys = sorted(k for k in total if k[0] == label)
        print(("attacks caught" if label else "benign flagged") + f": {sum(injection[k] for k in keys)} / "
              f"{sum(stopped[k] for k in keys)} of {sum(total[k] for k in keys)}")
        print("  " + "  ".join(f"{k[1]} {injection[k]}/{stopped[k]}/{total[k]}" for k in keys))
    if as_system:
        benign = sum(n for (label, _), n in total.items() if not label)
        print(f"benign as the system message, flagged as injection: {system}/{benign}")


async def eval_policy(pipeline: GuardPipeline, path: Path, what: str = "") -> None:
    rows = [json.loads(line) for line in path.open()]
    tp = fp = fn = wrong = 0
    for row in rows:
        v = await pipeline.screen_text(row["text"], LOG)
        rules = [f.rule for f in v.assessment.findings if f.category == "policy"]
        if row["rule"]:
            tp += row["rule"] in rules
            wrong += bool(rules) and row["rule"] not in rules
            fn += row["rule"] not in rules
        else:
            fp += bool(rules)
    neg = sum(1 for r in rows if not r["rule"])
    print(f"\n== policy{what} (threshold {pipeline.config.policy_match_threshold}, {path.name}) ==")
    print(f"violations {len(rows) - neg}: recall {_r(tp, len(rows) - neg)}  precision {_r(tp, tp + fp + wrong)}  "
          f"wrong rule {wrong}  benign {neg}: false positives {fp}")


async def eval_policy_in_context(pipeline: GuardPipeline, path: Path) -> None:
    """The labelled cases among ordinary text, and ordinary prompts alone: benign dev texts of the third that
    neither the policy background nor its threshold was made from (``policy_background.benign_thirds``)."""
    rows = [json.loads(line) for line in path.open()]
    held_out = benign_thirds()["evaluation"]
    short = [t for t in held_out if 30 <= len(t) <= 200]
    rng = random.Random(11)

    async def rules(text: str) -> list[str]:
        v = await pipeline.screen_text(text, LOG)
        return [f.rule for f in v.assessment.findings if f.category == "policy"]

    def around(text: str) -> str:  # three short benign texts, the case at a random place among them
        others = rng.sample(short, 3)
        k = rng.randint(0, 3)
        return " ".join([*others[:k], text, *others[k:]])

    def inside(text: str) -> str:  # the case as one paragraph of ~10,000 characters of benign texts
        parts = benign_prompts(held_out, 1, 10_000, rng.randrange(1 << 30))[0].split("\n\n")
        parts.insert(rng.randint(0, len(parts)), text)
        return "\n\n".join(parts)

    print(f"\n== policy in context (benign texts: the held-apart third of the dev data's, {len(held_out)}) ==")
    for name, make, reps in (("3 short benign texts around", around, 3), ("inside 10,000 characters", inside, 1)):
        tp = n = fp = nn = 0
        for row in rows:
            for _ in range(reps):
                found = await rules(make(row["text"]))
                if row["rule"]:
                    n, tp = n + 1, tp + (row["rule"] in found)
                else:
                    nn, fp = nn + 1, fp + bool(found)
        print(f"{name:28} violations found {tp}/{n} = {_r(tp, n)}   near misses flagged {fp}/{nn}")
    for chars, n, seed in ((1_000, 300, 6), (10_000, 100, 16)):
        flagged = sum([bool(await rules(t)) for t in benign_prompts(held_out, n, chars, seed)])
        print(f"benign prompts of {chars:,} characters with a policy finding: {flagged}/{n}")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--injection", type=Path, default=ROOT / "data/guard/injection_dev.jsonl")
    ap.add_argument("--operator", type=Path, default=ROOT / "data/guard/operator_prompts.jsonl")
    ap.add_argument("--format", type=Path, default=ROOT / "data/guard/format_prompts.jsonl")
    ap.add_argument("--format-heldout", type=Path, default=ROOT / "data/guard/format_directives_heldout.jsonl",
                    help="output-format requests and format-dressed attacks written apart from the guard")
    ap.add_argument("--agent", type=Path, default=ROOT / "data/guard/agent_task_prompts.jsonl",
                    help="DevOps, data and agent requests (URLs, hosts, buckets, webhooks) and exfiltration attacks")
    ap.add_argument("--jailbreaks", type=Path, default=ROOT / "data/guard/jailbreak_families_heldout.jsonl",
                    help="jailbreak families in fresh wording and benign prompts of the same surface")
    ap.add_argument("--hard-negatives", type=Path, default=ROOT / "data/guard/injection_hard_negatives_heldout.jsonl",
                    help="benign security talk, code full of trigger words, firm instructions, quoted documents")
    ap.add_argument("--pii", type=Path, default=ROOT.parent / "shared/data/guard/pii_dev.json",
                    help="presidio-research synthetic sentences (the shared dev data; skipped when absent)")
    ap.add_argument("--pii-formats", type=Path, default=ROOT / "data/guard/pii_formats_dev.jsonl.gz",
                    help="labelled PII/secret spans in varied formats and contexts, and look-alikes without any")
    ap.add_argument("--pii-formats-heldout", type=Path, default=ROOT / "data/guard/pii_formats_heldout.jsonl.gz",
                    help="the same, by another writer; its misses are not listed (never tuned on)")
    ap.add_argument("--passwords", type=Path, default=ROOT / "data/guard/password_contexts_dev.jsonl.gz",
                    help="labelled passwords in configs, commands, code, chats and e-mails, and look-alikes without")
    ap.add_argument("--policy", type=Path, default=ROOT / "tests/unit/guard/policy_cases.jsonl")
    ap.add_argument("--policy-heldout", type=Path, default=ROOT / "data/guard/policy_cases_heldout.jsonl",
                    help="violations and near misses written apart from the policies' examples; never tuned on")
    ap.add_argument("--policy-multisentence", type=Path,
                    default=ROOT / "data/guard/policy_cases_multisentence.jsonl",
                    help="violations that only the sentences together make, and near misses, 2-4 sentences each")
    ap.add_argument("--limit", type=int, default=None, help="sample this many injection rows")
    args = ap.parse_args()
    pipeline = GuardPipeline.build(GuardConfig(executor="inline"))
    names = [d.name for d in pipeline.detectors]
    print("detectors:", names, "unavailable:", pipeline.unavailable or "none")
    if "injection" in names and args.injection.exists():
        await eval_injection(pipeline, args.injection, args.limit)
    if "injection" in names:
        for path, what in ((args.operator, "operator/persona prompts"), (args.format, "output-format instructions"),
                           (args.format_heldout, "output-format instructions, written apart")):
            if path.exists():
                await eval_benign_prompts(pipeline, path, what)
        for path, what, system in ((args.agent, "DevOps, data and agent requests", True),
                                   (args.jailbreaks, "jailbreak families written apart", False),
                                   (args.hard_negatives, "hard negatives written apart", False)):
            if path.exists():
                await eval_kinds(pipeline, path, what, system)
    if "pii" in names:
        if args.pii.exists():
            await eval_pii(pipeline, args.pii)
        else:
            print(f"\n(no {args.pii}: PII recall per entity type skipped)")
        await eval_credentials_and_negatives(pipeline)
        for path, what, show, only in (
                (args.pii_formats, "PII and secrets in varied formats", True, None),
                (args.passwords, "passwords in 80 kinds of places", True, frozenset({"PASSWORD"})),
                (args.pii_formats_heldout, "PII and secrets in varied formats, held out", False, None)):
            if path.exists():
                await eval_pii_spans(pipeline, path, what, show, only)
    if "policy" in names:
        if args.policy.exists():
            await eval_policy(pipeline, args.policy)
            await eval_policy_in_context(pipeline, args.policy)
        else:
            print(f"\n(no {args.policy}: policy cases skipped)")
        if args.policy_multisentence.exists():
            await eval_policy(pipeline, args.policy_multisentence, ", violations spread over 2-4 sentences")
        if args.policy_heldout.exists():
            await eval_policy(pipeline, args.policy_heldout, ", cases written apart from the rules and never tuned on")
    pipeline.close()


if __name__ == "__main__":
    asyncio.run(main())
