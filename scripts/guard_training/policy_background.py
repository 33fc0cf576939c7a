"""Build the policy matcher's background (``services/guard/engine/policy_background.py``) and set its threshold.

The public dev data's benign rows are split in three by a hash of their text, so the split does not depend on the
file's order: one third is embedded as the background (split into sentences as the detector splits requests), one
calibrates the threshold, one is kept for evaluation (``scripts/eval_guard.py``). A background row is its own
nearest neighbour, so texts drawn from it would score low and a threshold set on them would sit too low.

Threshold rule: the lowest margin at which at most 2% of benign prompts of the calibration third are flagged,
at 1,000 characters (300 prompts) and at 10,000 (100), whichever is higher; the detector as the guard builds it
(first stage included), so the threshold answers to the sentences the guard actually embeds.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import numpy as np
from benchkit import benign_filler

from services.guard.engine.chat import make_item
from services.guard.engine.config import GuardConfig
from services.guard.engine.detector import POLICY
from services.guard.engine.embedder import Embedder
from services.guard.engine.policy_background import BACKGROUND_FILE
from services.guard.engine.policy_detector import PolicyDetector, sentences

from .data import DEV_FILE, read_jsonl

# Neighbours in hub(). 5 gave 0.667 / 0.623 / 0.593 (alone, in context, inside 10,000 characters) on the held-apart
# third against 0.704 / 0.648 / 0.611 with 10, at as many benign prompts flagged.
K = 10
QUANTILE = 0.98


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


def build(embedder_dir: Path) -> float:
    thirds = benign_thirds()
    embedder = Embedder.load(embedder_dir)
    units = [t[s:e] for t in thirds["background"] for s, e in sentences(t)]
    vectors = embedder.embed(units)
    meta = {"embedder_version": embedder.version, "k": K, "rows": len(units),
            "source": f"{DEV_FILE.name}: benign rows, one third by text hash (policy_background.benign_thirds)"}
    np.savez_compressed(embedder_dir / BACKGROUND_FILE, vectors=np.round(vectors * 127).astype(np.int8),
                        scale=np.float32(1 / 127), meta=np.array(json.dumps(meta)))
    print(f"background: {len(units)} sentences of {len(thirds['background'])} benign texts -> "
          f"{embedder_dir / BACKGROUND_FILE}")
    # Threshold 0: every embedded sentence is scored and none is held under the first stage's report (which stays
    # under half the threshold).
    detector = PolicyDetector.build(GuardConfig(embedder_model_path=embedder_dir, policy_threshold=0.0))
    bars = {}
    for chars, n, seed in ((1_000, 300, 5), (10_000, 100, 15)):
        scores = policy_scores(detector, benign_prompts(thirds["calibration"], n, chars, seed))
        bars[chars] = float(np.quantile(scores, QUANTILE))
        print(f"calibration, {n} benign prompts of {chars:,} characters: {QUANTILE:.0%} of scores under "
              f"{bars[chars]:.4f}")
    threshold = float(np.ceil(max(bars.values()) * 10_000) / 10_000)
    print(f"policy threshold (config.POLICY_MARGIN_THRESHOLD, or GW_GUARD_POLICY_THRESHOLD): {threshold}")
    return threshold
