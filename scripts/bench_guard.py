"""Latency of the whole guard pipeline on ONE core, on the kinds of text that decide its cost.

    .venv/bin/python scripts/bench_guard.py [--n 200] [--cores 1] [--executor thread] [--no-baseline]

Pinned to one CPU (os.sched_setaffinity) with one thread for onnxruntime/numpy; ``--cores 2`` pins to two and
gives the detectors as many threads, as a guard worker has on a 2-core machine.

With the first stage (prefilter.py) a prompt's cost depends on its text: a window the gate clears never reaches a
transformer. So each length (1,000 and 10,000 chars) is timed on three inputs:

- paragraph: one business paragraph repeated, the same text every time (kept from earlier runs, for continuity);
- benign mix: distinct prompts of benign texts from the public dev data (label 0, every source), concatenated in
  a seeded random order and cut to the length; each prompt timed once;
- attack mix: benign filler with one attack (label 1, at most half the length) at a random paragraph boundary,
  to show the cost when the gate escalates; also counts the prompts the pipeline flagged as prompt_injection
  (the "log" profile, so every detector runs and nothing is blocked before the count), and, untimed, how many of
  the same attacks it flags on their own, so a drop shows what the filler hides.

- number table: a CSV export (dates, amounts, decimals, ten-digit ids) cut to the length, distinct each time: the
  text where every digit group is a phone-number candidate, in each of the phone recognizer's regions;

- other scripts: distinct benign requests in Chinese, Japanese, Korean, Russian, Arabic, Hindi, Thai, Hebrew and
  Greek (the synthetic rows in data/guard), which the non-Latin model reads sentence by sentence; timed against
  ``GuardConfig(nonlatin=False)`` instead, for what that model costs or saves (with it, the classifier reads only
  the Latin-script text; without, every token) and flagged: its false positives.

Each input goes through the default pipeline and through ``GuardConfig(prefilter=False)`` (every window through
both transformers) in the same run, back to back per prompt, alternating which goes first; the machine is noisy,
the ratio less so. ``--n`` prompts at 1,000 chars, ``--n // 4`` at 10,000. Targets: 1,000 chars p50 <= 15 ms and
p95 <= 25 ms, 10,000 chars p95 <= 100 ms. Stock Presidio (every predefined recognizer) on the paragraph is kept
as a second, older baseline (``--no-baseline`` skips it). The pipelines keep no results between requests
(``cache_texts=0``): every prompt costs what a new text costs, the paragraph too. What the cache saves on a chat's
history, sent again with every turn, is ``bench_conversation.py``'s.
"""

from __future__ import annotations

import argparse
import os

PARSER = argparse.ArgumentParser()
PARSER.add_argument("--n", type=int, default=200, help="prompts per input at 1,000 chars; a quarter at 10,000")
PARSER.add_argument("--cores", type=int, default=1, help="CPUs to pin to; the thread executor gets as many threads")
PARSER.add_argument("--executor", choices=("thread", "inline"), default="thread",
                    help="the pipeline's executor (thread: the guard worker's default)")
PARSER.add_argument("--seed", type=int, default=0)
PARSER.add_argument("--no-baseline", action="store_true", help="skip stock Presidio on the paragraph")
ARGS = PARSER.parse_args()
# Before numpy and onnxruntime load: one thread each, on the chosen cores only.
os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[: ARGS.cores]))

import asyncio  # noqa: E402
import collections  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.benchkit import SEP, benign_filler  # noqa: E402
from services.guard.engine.config import GuardConfig  # noqa: E402
from services.guard.engine.pipeline import GuardPipeline  # noqa: E402
from services.guard.engine.profiles import profile_named  # noqa: E402

DEV_DATA = ROOT / "data" / "guard" / "injection_dev.jsonl"
SYNTHETIC = ROOT / "data" / "guard" / "synthetic_hard_cases.jsonl"
LOG = profile_named("log")
LENGTHS = (1000, 10000)
WARMUP = 10
TARGETS = {(1000, "p50"): 15.0, (1000, "p95"): 25.0, (10000, "p95"): 100.0}

PARAGRAPH = (
    "Hi team, please summarise the attached quarterly report for the board meeting on Thursday. Focus on revenue "
    "growth in the EMEA region, the churn numbers for enterprise customers, and the hiring plan. Contact me at "
    "jane.doe@example.com or call 415-555-0134 if anything is unclear. The invoice reference is INV-2024-0042. "
)


def prompts_at(chars: int) -> int:
    """``--n`` prompts at 1,000 chars, a quarter of them (at least 2) at 10,000."""
    return ARGS.n if chars == 1000 else max(ARGS.n // 4, 2)


def paragraph(chars: int) -> str:
    return (PARAGRAPH * (chars // len(PARAGRAPH) + 1))[:chars]


def number_table(rng: random.Random, chars: int) -> str:
    lines = ["date,store,units,revenue,cost,margin,sku"]
    while sum(len(line) + 1 for line in lines) <= chars:  # joined: one newline fewer than lines
        lines.append(f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},{rng.randint(100, 999)},"
                     f"{rng.randint(1, 5000)},{rng.uniform(10, 99999):.2f},{rng.uniform(10, 9999):.2f},"
                     f"{rng.random():.3f},{rng.randint(10**9, 10**10)}")
    return "\n".join(lines)[:chars]


def attack_prompt(rng: random.Random, benign: list[str], attacks: list[str], chars: int) -> str:
    return hide(rng, benign, rng.choice([a for a in attacks if len(a) <= chars // 2]), chars)


def hide(rng: random.Random, benign: list[str], attack: str, chars: int) -> str:
    filler = benign_filler(rng, benign, chars - len(attack) - 2 * len(SEP))
    # Between two benign texts (or at either end), so the attack is hidden whole rather than cut mid-word.
    cuts = [0, len(filler)] + [i + len(SEP) for i in range(len(filler)) if filler.startswith(SEP, i)]
    at = rng.choice(cuts)
    return filler[:at] + SEP + attack + SEP + filler[at:]


def load_dev_data() -> tuple[list[str], list[str], collections.Counter]:
    rows = [json.loads(line) for line in DEV_DATA.open()]
    benign = [r["text"] for r in rows if r["label"] == 0]
    attacks = [r["text"] for r in rows if r["label"] == 1]
    return benign, attacks, collections.Counter(r["source"] for r in rows if r["label"] == 0)


def chat(text: str) -> dict:
    return {"model": "m", "messages": [{"role": "system", "content": "You are a helpful assistant."},
                                       {"role": "user", "content": text}]}


@dataclass
class Timing:
    ms: list[float]
    flagged: int

    @property
    def p50(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.ms, n=100)[94] if len(self.ms) > 1 else self.ms[0]


async def timed(pipeline: GuardPipeline, body: dict, into: Timing) -> None:
    t0 = time.perf_counter()
    v = await pipeline.screen_chat(body, LOG)
    into.ms.append((time.perf_counter() - t0) * 1000)
    into.flagged += "prompt_injection" in v.categories


async def time_pair(gated: GuardPipeline, full: GuardPipeline, prompts: list[str]) -> tuple[Timing, Timing]:
    """Each prompt through both pipelines back to back; which goes first alternates, so neither profits from
    whatever the other left warm (caches, the CPU's frequency) more than half the time."""
    out = {id(gated): Timing([], 0), id(full): Timing([], 0)}
    for i, text in enumerate(prompts):
        for p in (gated, full) if i % 2 == 0 else (full, gated):
            await timed(p, chat(text), out[id(p)])
    return out[id(gated)], out[id(full)]


async def time_one(pipeline: GuardPipeline, prompts: list[str]) -> Timing:
    """The prompts through one pipeline only, as a guard worker runs (one pipeline per process): no second
    pipeline evicting its caches between calls, as ``time_pair`` must."""
    out = Timing([], 0)
    for text in prompts:
        await timed(pipeline, chat(text), out)
    return out


async def flagged(pipeline: GuardPipeline, texts: list[str]) -> int:
    return sum(["prompt_injection" in (await pipeline.screen_chat(chat(t), LOG)).categories for t in texts])


async def warm_up(pipelines: list[GuardPipeline], rng: random.Random, benign: list[str],
                  attacks: list[str]) -> None:
    # Every length and both paths (gate clears, gate escalates), so the first timed call pays no first-shape cost.
    for chars in LENGTHS:
        texts = [paragraph(chars)] + [benign_filler(rng, benign, chars) for _ in range(WARMUP // 2)] + \
                [attack_prompt(rng, benign, attacks, chars) for _ in range(WARMUP // 2)]
        for p in pipelines:
            for text in texts:
                await p.screen_chat(chat(text), LOG)


def time_presidio(text: str, n: int) -> Timing:
    import logging

    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from services.guard.engine.presidio_setup import BlankSpacyNlpEngine

    # Stock Presidio's email recognizer tries to fetch the public suffix list (unreachable here): mute its trace.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    nlp = BlankSpacyNlpEngine()
    nlp.load()
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp)
    for _ in range(5):
        analyzer.analyze(text, language="en")
    ms = []
    for _ in range(n):
        t0 = time.perf_counter()
        analyzer.analyze(text, language="en")
        ms.append((time.perf_counter() - t0) * 1000)
    return Timing(ms, 0)


def row(label: str, t: Timing, show_flags: bool) -> str:
    flags = f"{t.flagged:4}/{len(t.ms):<4}" if show_flags else " " * 9
    return f"  {label:14} {len(t.ms):5} {t.p50:8.1f} {t.p95:8.1f}  {flags}"


def target_check(chars: int, stat: str, value: float) -> str:
    limit = TARGETS[chars, stat]
    return f"{value:6.1f} {'<=' if value <= limit else '> '} {limit:3.0f} {'ok' if value <= limit else 'MISSED':6}"


async def main() -> None:
    args = ARGS
    t_start = time.perf_counter()
    benign, attacks, sources = load_dev_data()
    print(f"cpu affinity {sorted(os.sched_getaffinity(0))}, executor {args.executor}, n={args.n} at 1,000 chars, "
          f"{args.n // 4} at 10,000, seed {args.seed}")
    print(f"dev data: {len(benign)} benign texts ({', '.join(f'{s} {c}' for s, c in sources.most_common())}), "
          f"{len(attacks)} attacks")
    config = {"executor": args.executor, "threads": args.cores, "cache_texts": 0}
    gated = GuardPipeline.build(GuardConfig(**config))
    full = GuardPipeline.build(GuardConfig(**config, prefilter=False))
    g = gated.config
    print(f"detectors {[d.name for d in gated.detectors]} unavailable {sorted(gated.unavailable) or '-'}; "
          f"prefilter: model_windows {g.model_windows}, policy_model_windows {g.policy_model_windows}")
    rng = random.Random(args.seed)
    await warm_up([gated, full], random.Random(args.seed + 1), benign, attacks)

    results: dict[tuple[str, int], tuple[Timing, Timing]] = {}
    shipped: dict[tuple[str, int], Timing] = {}
    alone: dict[int, tuple[int, int]] = {}
    for chars in LENGTHS:
        n = prompts_at(chars)
        hidden = [rng.choice([a for a in attacks if len(a) <= chars // 2]) for _ in range(n)]
        inputs = {
            "paragraph": [paragraph(chars)] * n,
            "benign mix": [benign_filler(rng, benign, chars) for _ in range(n)],
            "attack mix": [hide(rng, benign, a, chars) for a in hidden],
            "number table": [number_table(rng, chars) for _ in range(n)],
        }
        assert all(len(t) == chars for texts in inputs.values() for t in texts)
        for name, prompts in inputs.items():
            t0 = time.perf_counter()
            results[name, chars] = await time_pair(gated, full, prompts)
            print(f"  timed {name:10} @ {chars:6,} chars: {n} prompts x 2 configs in {time.perf_counter() - t0:5.1f} s",
                  flush=True)
        for name, prompts in inputs.items():
            shipped[name, chars] = await time_one(gated, prompts)
        # Not timed: whether the filler is what hides an attack the pipeline would catch on its own.
        alone[chars] = tuple([await flagged(p, hidden) for p in (gated, full)])
    full.close()
    rows = [json.loads(line) for line in SYNTHETIC.open()]
    scripts = [r["text"] for r in rows if r["subset"].startswith("script_") and not r["text"].isascii()]
    latin_only = GuardPipeline.build(GuardConfig(**config, nonlatin=False))
    other: dict[int, tuple[Timing, Timing]] = {}
    for chars in LENGTHS:
        n = prompts_at(chars)
        other[chars] = await time_pair(gated, latin_only, [benign_filler(rng, scripts, chars) for _ in range(n)])
    gated.close()
    latin_only.close()

    presidio = None if args.no_baseline else \
        {chars: time_presidio(paragraph(chars), prompts_at(chars)) for chars in LENGTHS}

    head = f"  {'':14} {'n':>5} {'p50 ms':>8} {'p95 ms':>8}  {'flagged':9}"
    for chars in LENGTHS:
        print(f"\n== {chars:,} chars, one prompt per request (flagged: prompt_injection under the log profile) ==")
        print(head)
        for name in ("paragraph", "benign mix", "attack mix", "number table"):
            on, off = results[name, chars]
            flags = name != "paragraph"
            print(f"{name}")
            print(row("prefilter", on, flags))
            print(row("no prefilter", off, flags))
            print(f"  {'ratio on/off':14} {'':5} {on.p50 / off.p50:8.2f} {on.p95 / off.p95:8.2f}")
        on_alone, off_alone = alone[chars]
        n = len(results["attack mix", chars][0].ms)
        print(f"  the same attacks alone, flagged: prefilter {on_alone}/{n}, no prefilter {off_alone}/{n}")
        if presidio:
            b = presidio[chars]
            on = results["paragraph", chars][0]
            print(f"stock Presidio {len(b.ms):5} {b.p50:8.1f} {b.p95:8.1f}  (paragraph; pipeline/Presidio "
                  f"p50 {on.p50 / b.p50:.2f}, p95 {on.p95 / b.p95:.2f})")

    print(f"\n== other scripts: {len(scripts)} benign requests in 9 non-Latin scripts, mixed to length (synthetic: "
          "the non-Latin model trains on most of them) ==")
    print(head)
    for chars in LENGTHS:
        on, off = other[chars]
        print(f"{chars:,} chars")
        print(row("non-Latin on", on, True))
        print(row("non-Latin off", off, True))
        print(f"  {'ratio on/off':14} {'':5} {on.p50 / off.p50:8.2f} {on.p95 / off.p95:8.2f}")

    print("\n== targets (whole pipeline with prefilter, one request per prompt) ==")
    print("  as a guard worker runs it: the shipped pipeline alone, same prompts (the tables above interleave both")
    print("  pipelines per prompt for the ratio, which costs each some cache warmth)")
    print(f"  {'input':12}" + "".join(f"  {h:20}" for h in ("1,000 chars p50", "1,000 chars p95", "10,000 chars p95")))
    for name in ("paragraph", "benign mix", "attack mix", "number table"):
        short, long = shipped[name, 1000], shipped[name, 10000]
        checks = (target_check(1000, "p50", short.p50), target_check(1000, "p95", short.p95),
                  target_check(10000, "p95", long.p95))
        print(f"  {name:12}" + "".join(f"  {c:20}" for c in checks))
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
