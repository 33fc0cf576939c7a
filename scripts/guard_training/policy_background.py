"""Build the policy matcher's background (``services/guard/engine/policy_background.py``), set its threshold, and
set the first stage's policy gate for both.

The background is ordinary text of two kinds, split into sentences as the detector splits requests:

- a third of the public dev data's benign rows: requests. The rows are split in three by a hash of their text, so
  the split does not depend on the file's order: one third is embedded, one calibrates the threshold, one is kept
  for evaluation (``scripts/eval_guard.py``). A background row is its own nearest neighbour, so texts drawn from it
  would score low and a threshold set on them would sit too low.
- 2,500 sentences of the project's runtime dependencies' own descriptions (their READMEs and changelogs, in each
  installed distribution's METADATA; drawn with a fixed seed): technical text. Requests alone made every changelog
  line and build note sit far from "ordinary", so the hub correction did not apply to them: with the rules'
  examples of configs and hostnames, 38 of 300 1,000-character excerpts of Debian's package docs
  (``/usr/share/doc``) were flagged and 26 of 100 at 10,000 characters; with these sentences 2 and 5. Only
  their int8 vectors are stored, not the text. The distributions are the runtime dependency tree pinned by
  ``uv.lock``, so any environment synced from it draws the same sentences (no torch needed); the background
  records a hash of their names and versions.

Threshold rule: the lowest margin at which at most 2% of benign prompts of the calibration third are flagged,
at 1,000 characters (1,000 prompts) and at 10,000 (400), whichever is higher; the detector as the guard builds it
(first stage included), so the threshold answers to the sentences the guard actually embeds. 300 and 100 prompts
gave a threshold 0.005 lower than 1,000 and 400 for the same policies: the 98th percentile of 100 scores is their
third highest.

Policy gate (the first stage's static nearness under which a sentence is not embedded): the lowest nearness of a
sentence in which the embedder finds a labelled violation (``tests/unit/guard/policy_cases.jsonl``) at the
threshold, less 0.03. The gate changes which sentences reach the embedder, so the two are set in turn until
neither moves.
"""

from __future__ import annotations

import email
import hashlib
import importlib.metadata
import json
import logging
import random
from pathlib import Path

import numpy as np
from benchkit import benign_filler

from services.guard.engine.chat import make_item
from services.guard.engine.config import GuardConfig
from services.guard.engine.detector import POLICY
from services.guard.engine.embedder import Embedder
from services.guard.engine.policy_background import BACKGROUND_FILE
from services.guard.engine.policy_detector import PolicyDetector, sentences, violating_chunks
from services.guard.engine.policy_docs import load_policies
from services.guard.engine.prefilter import Prefilter, StaticEmbedder, _load

from .data import DEV_FILE, read_jsonl

# Neighbours in hub(). 5 gave 0.667 / 0.623 / 0.593 (alone, in context, inside 10,000 characters) on the held-apart
# third against 0.704 / 0.648 / 0.611 with 10, at as many benign prompts flagged.
K = 10
QUANTILE = 0.98
PACKAGE_SENTENCES = 2_500
# (characters, prompts, seed) of the calibration prompts
CALIBRATION = ((1_000, 1_000, 5), (10_000, 400, 15))
GATE_SLACK = 0.03


def benign_thirds(path: Path = DEV_FILE) -> dict[str, list[str]]:
    """The dev data's benign texts: {"background": [...], "calibration": [...], "evaluation": [...]}."""
    out: dict[str, list[str]] = {"background": [], "calibration": [], "evaluation": []}
    names = list(out)
    for row in read_jsonl(path):
        if row["label"] == 0:
            third = int.from_bytes(hashlib.blake2b(row["text"].encode(), digest_size=4).digest(), "big") % 3
            out[names[third]].append(row["text"])
    return out


def benign_prompts(texts: list[str], n: int, chars: int, seed: int) -> list[str]:
    """``n`` prompts of ``chars`` characters, each made of benign texts joined by blank lines (as the benchmarks')."""
    rng = random.Random(seed)
    return [benign_filler(rng, texts, chars) for _ in range(n)]


def policy_scores(detector: PolicyDetector, texts: list[str]) -> np.ndarray:
    """Each text's policy score (the best margin of its embedded sentences, whether over the threshold or not)."""
    items = [[make_item(t, frozenset({POLICY}))] for t in texts]  # as the guard reads a user message
    return np.array([detector.detect(item).scores["policy"] for item in items])


def runtime_distributions(root: str = "llm-security-gateway") -> list[importlib.metadata.Distribution]:
    """The installed distributions of the project's runtime dependency tree (extras followed, markers evaluated):
    the same in every environment synced from ``uv.lock``, with or without the train group."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, importlib.metadata.Distribution] = {}
    seen, todo = set(), [(root, "")]
    while todo:
        name, extra = todo.pop()
        if (canonicalize_name(name), extra) in seen:
            continue
        seen.add((canonicalize_name(name), extra))
        dist = importlib.metadata.distribution(name)
        found[canonicalize_name(name)] = dist
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": extra}):
                todo += [(req.name, e) for e in ("", *sorted(req.extras))]
    found.pop(canonicalize_name(root))
    return [found[k] for k in sorted(found)]


def package_sentences(n: int = PACKAGE_SENTENCES, seed: int = 0) -> tuple[list[str], list[str]]:
    """``n`` sentences (15 characters or more) of the descriptions of the project's runtime dependencies, and the
    distributions read ("name==version", sorted)."""
    units, read = [], []
    for dist in runtime_distributions():
        body = email.message_from_string(dist.read_text("METADATA") or "").get_payload()
        if not isinstance(body, str) or len(body) < 200:
            continue
        read.append(f"{dist.metadata['Name']}=={dist.version}")
        units += [body[s:e].strip() for s, e in sentences(body) if len(body[s:e].strip()) >= 15]
    random.Random(seed).shuffle(units)
    return units[:n], read


def policy_gate(static: StaticEmbedder, config: GuardConfig, cases: Path, dev_texts: list[str]) -> dict:
    """The gate: the lowest static nearness to a violating chunk of a sentence in which the embedder finds a labelled
    violation at ``config``'s threshold (every sentence embedded), less ``GATE_SLACK``; and what it lets through."""
    def nearness(texts: list[str]) -> float:
        return float((static.embed(texts) @ chunks.T).max())

    documents = load_policies(config.policies_dir)
    chunks = static.embed(violating_chunks(documents))
    detector = PolicyDetector.build(config.model_copy(update={"prefilter": False}))
    violations = [r for r in read_jsonl(cases) if r["rule"]]
    found = [detector.detect([make_item(r["text"], frozenset({POLICY}))]).findings for r in violations]
    # The sentence that matched, not the text's nearest: a gate under the nearest sentence's nearness may still be
    # over the matching one's ("Patient record: ..., HIV positive, ... attached." 0.338, "What medication plan fits
    # him?" 0.371), and the first stage would never send it to the embedder.
    gate = round(min(nearness([r["text"][f.start:f.end]]) for r, fs in zip(violations, found, strict=True)
                     for f in fs if f.rule == r["rule"]) - GATE_SLACK, 4)
    texts = [[t[s:e] for s, e in sentences(t)] or [t] for t in [r["text"] for r in violations] + dev_texts]
    over = np.array([nearness(t) >= gate for t in texts])
    return {"gate": gate, "violations_over_gate": float(over[:len(violations)].mean()),
            "dev_texts_over_gate": round(float(over[len(violations):].mean()), 3),
            "calibrated_for": {"policy_threshold": config.policy_match_threshold,
                               "policies": {d.source: d.content_hash for d in documents}}}


def calibrate(config: GuardConfig) -> tuple[float, dict[int, float]]:
    """The threshold rule's margin for ``config`` (its background, policies and first stage), and each length's bar."""
    quiet = logging.getLogger("services.guard.engine.policy_detector")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # the gate "was calibrated for a higher threshold" than 0: it was, on purpose
    try:
        detector = PolicyDetector.build(config.model_copy(update={"policy_threshold": 0.0}))
    finally:
        quiet.setLevel(level)
    calibration = benign_thirds()["calibration"]
    bars = {}
    for chars, n, seed in CALIBRATION:
        bars[chars] = float(np.quantile(policy_scores(detector, benign_prompts(calibration, n, chars, seed)), QUANTILE))
        print(f"calibration, {n} benign prompts of {chars:,} characters: {QUANTILE:.0%} of scores under "
              f"{bars[chars]:.4f}", flush=True)
    return float(np.ceil(max(bars.values()) * 10_000) / 10_000), bars


def build(models_dir: Path, cases: Path) -> float:
    """Write ``embedder/background.npz`` and the policy gate of ``prefilter/config.json``; print the threshold for
    ``config.POLICY_MARGIN_THRESHOLD``."""
    embedder_dir, prefilter_dir = models_dir / "embedder", models_dir / "prefilter"
    requests = [t[s:e] for t in benign_thirds()["background"] for s, e in sentences(t)]
    technical, packages = package_sentences()
    embedder = Embedder.load(embedder_dir)
    vectors = embedder.embed(requests + technical)
    meta = {"embedder_version": embedder.version, "k": K, "rows": len(vectors),
            "source": f"{len(requests)} sentences of {DEV_FILE.name}'s benign rows, one third by text hash "
                      f"(policy_background.benign_thirds); {len(technical)} of the descriptions of {len(packages)} "
                      "runtime dependencies' distributions (policy_background.package_sentences)",
            "packages": hashlib.sha256("\n".join(packages).encode()).hexdigest()}
    np.savez_compressed(embedder_dir / BACKGROUND_FILE, vectors=np.round(vectors * 127).astype(np.int8),
                        scale=np.float32(1 / 127), meta=np.array(json.dumps(meta)))
    print(f"background: {len(requests)} request sentences + {len(technical)} package-description sentences "
          f"({len(packages)} distributions) -> {embedder_dir / BACKGROUND_FILE}", flush=True)

    first_stage = {name: json.loads((prefilter_dir / name).read_text()) for name in ("config.json", "metrics.json")}
    static = Prefilter.load(prefilter_dir).static
    dev_texts = [r["text"][:1200] for r in read_jsonl(DEV_FILE)]
    config = GuardConfig(embedder_model_path=embedder_dir, prefilter_model_path=prefilter_dir)
    threshold, gate = config.policy_match_threshold, None
    for _ in range(4):  # the gate and the threshold each depend on the other; they settle at once in practice
        policy = policy_gate(static, config.model_copy(update={"policy_threshold": threshold}), cases, dev_texts)
        print("policy gate:", policy, flush=True)
        first_stage["config.json"].update(policy_gate=policy["gate"],
                                          policy_gate_calibrated_for=policy["calibrated_for"])
        first_stage["metrics.json"]["policy"] = policy
        for name, content in first_stage.items():
            (prefilter_dir / name).write_text(json.dumps(content, indent=2) + "\n")
        _load.cache_clear()  # the detectors below read the first stage (and its new gate) again
        if policy["gate"] == gate:
            break
        gate = policy["gate"]
        threshold, _ = calibrate(config)
    else:
        print("the gate and the threshold did not settle: run again")
    print(f"policy threshold (config.POLICY_MARGIN_THRESHOLD, or GW_GUARD_POLICY_THRESHOLD): {threshold}; "
          f"policy gate {gate} ({prefilter_dir / 'config.json'})")
    return threshold
