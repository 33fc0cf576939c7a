"""Score the development data with the committed ONNX classifier (CPU, no torch) and time it on one thread."""

from __future__ import annotations

import random
import time

import numpy as np

from services.guard.engine import injection
from services.guard.engine.embedder import Embedder

from .data import is_synthetic, load_rows
from .metrics import format_table, per_source, pooled


def _text_of_length(rows: list[dict], n_chars: int, rng: random.Random) -> str:
    """Ordinary benign prose of about n_chars, built from dev rows (token density like real prompts)."""
    pool = [r["text"] for r in rows if int(r["label"]) == 0 and not is_synthetic(r)]
    parts, size = [], 0
    while size < n_chars:
        parts.append(rng.choice(pool))
        size += len(parts[-1]) + 1
    return " ".join(parts)[:n_chars]


def latency(score, rows: list[dict], n_chars: int, runs: int = 60) -> tuple[float, float]:
    rng = random.Random(n_chars)
    texts = [_text_of_length(rows, n_chars, rng) for _ in range(runs)]
    score([texts[0]])  # warm-up
    times = []
    for t in texts:
        start = time.perf_counter()
        score([t])
        times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def main(threshold: float | None = None, window: int | None = None, stride: int | None = None) -> dict:
    threshold = injection.THRESHOLD if threshold is None else threshold
    clf = injection.InjectionClassifier.load(window=window, stride=stride)
    rows = load_rows()
    public = [r for r in rows if not is_synthetic(r)]
    synthetic = [r for r in rows if is_synthetic(r)]
    start = time.perf_counter()
    s_pub = clf.score([r["text"] for r in public])
    s_syn = clf.score([r["text"] for r in synthetic])
    took = time.perf_counter() - start
    print(f"committed model, window {clf.window} / stride {clf.stride} tokens, THRESHOLD {threshold:.3f} "
          f"(scored {len(rows)} texts in {took:.1f} s on 1 thread)")
    print("NOTE: the shipped model was trained on all of these rows: this checks the export, not generalisation.")
    print(format_table(per_source(public, s_pub, threshold), "public development data"))
    print("pooled:", pooled(public, s_pub, threshold))
    print(format_table(per_source(synthetic, s_syn, threshold), "synthetic hard cases (data/guard, training only)"))
    result = {}
    for n in (1000, 10000):
        p50, p95 = latency(clf.score, public, n)
        result[f"classifier_{n}"] = (p50, p95)
        print(f"classifier latency, {n:>6,d} chars, 1 thread: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
    emb = Embedder.load()
    for n in (1000,):
        p50, p95 = latency(emb.embed, public, n)
        result[f"embedder_{n}"] = (p50, p95)
        print(f"embedder latency,   {n:>6,d} chars, 1 thread: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms "
              "(truncates at 256 tokens)")
    return result
