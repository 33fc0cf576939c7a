"""The whole guard pipeline of this checkout against another checkout's (main before a change, say), prompt by prompt.

    git worktree add /tmp/before HEAD~3
    .venv/bin/python scripts/bench_guard_ab.py /tmp/before [--n 400]

Each checkout's pipeline runs in a process of its own (both on this checkout's Python environment), set up as
``bench_guard.py`` sets itself up (the same one core, one thread), on the same prompts: benign mixes of the public
dev data at 1,000 characters (``--n``) and at 10,000 (a fifth as many). Both processes screen each prompt in turn,
alternating which goes first, so the drift of a shared machine (here the same run was up to 20% slower from one
minute to the next) falls on both alike. Prints p50 / p95 / mean per checkout and, the steadier figure, the median
of the per-prompt ratios this / other.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LENGTHS = (1000, 10000)


def prompts(bench, n: int) -> dict[int, list[str]]:
    benign, _, _ = bench.load_dev_data()
    rng = random.Random(11)
    return {chars: [bench.benign_filler(rng, benign, chars) for _ in range(n if chars == 1000 else n // 5)]
            for chars in LENGTHS}


async def serve(root: Path, n: int) -> None:
    """Worker: screen the prompt named on each stdin line ("chars index"), print the milliseconds it took."""
    sys.path[:0] = [str(root), str(root / "scripts")]
    sys.argv = ["bench_guard.py"]  # its set-up: pinned to one core, one thread for onnxruntime and numpy
    import bench_guard as bench

    from services.guard.engine.config import GuardConfig
    from services.guard.engine.pipeline import GuardPipeline

    # What a new text costs: no results kept between prompts (a checkout without the setting ignores it).
    pipeline = GuardPipeline.build(GuardConfig(cache_texts=0))
    texts = prompts(bench, n)
    for chars in LENGTHS:
        for text in texts[chars][:5]:
            await pipeline.screen_chat(bench.chat(text), bench.LOG)
    print("ready", flush=True)
    for line in sys.stdin:
        chars, i = map(int, line.split())
        t0 = time.perf_counter()
        await pipeline.screen_chat(bench.chat(texts[chars][i]), bench.LOG)
        print((time.perf_counter() - t0) * 1000, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("other", type=Path, help="the checkout to compare with (a git worktree)")
    parser.add_argument("--n", type=int, default=400, help="prompts at 1,000 chars; a fifth as many at 10,000")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.n))
        return
    checkouts = {"this": ROOT, "other": args.other.resolve()}
    workers = {
        name: subprocess.Popen([sys.executable, __file__, str(root), "--serve", str(root), "--n", str(args.n)],
                               cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for name, root in checkouts.items()
    }
    for name, worker in workers.items():
        if worker.stdout.readline().strip() != "ready":
            sys.exit(f"the {name} checkout's pipeline did not start ({checkouts[name]})")
    print(f"this: {checkouts['this']}  other: {checkouts['other']}")
    for chars in LENGTHS:
        ms: dict[str, list[float]] = {name: [] for name in workers}
        for i in range(args.n if chars == 1000 else args.n // 5):
            for name in ("this", "other") if i % 2 == 0 else ("other", "this"):
                workers[name].stdin.write(f"{chars} {i}\n")
                workers[name].stdin.flush()
                ms[name].append(float(workers[name].stdout.readline()))
        for name, values in ms.items():
            q = statistics.quantiles(values, n=100)
            mean = statistics.mean(values)
            print(f"{chars:>6,} chars  {name:5}  p50 {q[49]:6.1f}  p95 {q[94]:6.1f}  mean {mean:6.1f} ms")
        ratios = [a / b for a, b in zip(ms["this"], ms["other"], strict=True)]
        print(f"{chars:>6,} chars  this / other, median of per-prompt ratios: {statistics.median(ratios):.3f}")
    for worker in workers.values():
        worker.stdin.close()
        worker.wait()


if __name__ == "__main__":
    main()
