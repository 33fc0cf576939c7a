"""Latency of the whole guard pipeline on ONE core, next to a baseline run in the same process.

    .venv/bin/python scripts/bench_guard.py [--n 200] [--cores 1]

Pinned to one CPU (os.sched_setaffinity) with one thread for onnxruntime/numpy; ``--cores 2`` pins to two and
lets the detectors run side by side on two threads, as a guard worker does on a 2-core machine. Prints p50/p95
for a 1,000-char prompt and p95 for a 10,000-char prompt (targets: p50 <= 15 ms, p95 <= 25 ms; p95 <= 100 ms),
and the same for Presidio's stock AnalyzerEngine (every predefined recognizer, blank spaCy tokenizer since no
model is installed) as a ratio: the machine is noisy, the ratio less so.
"""

from __future__ import annotations

import argparse
import os

PARSER = argparse.ArgumentParser()
PARSER.add_argument("--n", type=int, default=200)
PARSER.add_argument("--cores", type=int, default=1, help="CPUs to pin to; the thread executor gets as many threads")
ARGS = PARSER.parse_args()
# Before numpy and onnxruntime load: one thread each, on the chosen cores only.
os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[: ARGS.cores]))

import asyncio  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from libs.common.messages import KeyProfile  # noqa: E402
from services.guard.engine.config import GuardConfig  # noqa: E402
from services.guard.engine.pipeline import GuardPipeline  # noqa: E402

PARAGRAPH = (
    "Hi team, please summarise the attached quarterly report for the board meeting on Thursday. Focus on revenue "
    "growth in the EMEA region, the churn numbers for enterprise customers, and the hiring plan. Contact me at "
    "jane.doe@example.com or call 415-555-0134 if anything is unclear. The invoice reference is INV-2024-0042. "
)


def prompt(chars: int) -> str:
    return (PARAGRAPH * (chars // len(PARAGRAPH) + 1))[:chars]


def pct(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100)[int(q) - 1]


async def time_pipeline(p: GuardPipeline, text: str, n: int) -> list[float]:
    body = {"model": "m", "messages": [{"role": "system", "content": "You are a helpful assistant."},
                                       {"role": "user", "content": text}]}
    for _ in range(5):
        await p.screen_chat(body, KeyProfile())
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        await p.screen_chat(body, KeyProfile())
        out.append((time.perf_counter() - t0) * 1000)
    return out


def time_baseline(text: str, n: int) -> list[float]:
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
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        analyzer.analyze(text, language="en")
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def main() -> None:
    args = ARGS
    print(f"cpu affinity {sorted(os.sched_getaffinity(0))}, n={args.n}")
    for executor in ("inline", "thread"):
        p = GuardPipeline.build(GuardConfig(executor=executor, threads=args.cores))
        print(f"\n[{executor}] detectors {[d.name for d in p.detectors]} unavailable {sorted(p.unavailable) or '-'}")
        short, long = await time_pipeline(p, prompt(1000), args.n), await time_pipeline(p, prompt(10000), args.n // 4)
        p.close()
        print(f"pipeline  1,000 chars: p50 {statistics.median(short):6.2f} ms  p95 {pct(short, 95):6.2f} ms"
              f"   10,000 chars: p95 {pct(long, 95):7.2f} ms")
    b_short, b_long = time_baseline(prompt(1000), args.n), time_baseline(prompt(10000), args.n // 4)
    print("\nbaseline (stock Presidio AnalyzerEngine, all predefined recognizers, one pass over the user text)")
    print(f"baseline  1,000 chars: p50 {statistics.median(b_short):6.2f} ms  p95 {pct(b_short, 95):6.2f} ms"
          f"   10,000 chars: p95 {pct(b_long, 95):7.2f} ms")
    print(f"ratio pipeline[last]/baseline: p50@1k {statistics.median(short) / statistics.median(b_short):.2f}  "
          f"p95@1k {pct(short, 95) / pct(b_short, 95):.2f}  p95@10k {pct(long, 95) / pct(b_long, 95):.2f}")


if __name__ == "__main__":
    asyncio.run(main())
