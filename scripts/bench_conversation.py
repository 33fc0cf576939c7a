"""What the guard's results cache (``GW_GUARD_CACHE_TEXTS``) saves on a chat: the history sent again every turn.

    .venv/bin/python scripts/bench_conversation.py [--chats 20] [--turns 10]

An application sends the whole conversation with each request. Each chat here is a system prompt and ``--turns``
user messages of ~1,000 characters of benign dev texts, each answered by an assistant turn of ~300 characters; turn
t screens the chat as it stands after t user messages (t user and t - 1 assistant turns), under one gateway key.
Every turn goes through a pipeline with the cache (the default) and one without, back to back, alternating which
goes first, on one core (as ``bench_guard.py``). Prints p50 / p95 per turn and the median per-turn ratio.
"""

from __future__ import annotations

import argparse
import os

PARSER = argparse.ArgumentParser()
PARSER.add_argument("--chats", type=int, default=20)
PARSER.add_argument("--turns", type=int, default=10)
PARSER.add_argument("--seed", type=int, default=0)
ARGS = PARSER.parse_args()
os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:1]))

import asyncio  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.benchkit import benign_filler, percentile  # noqa: E402
from services.guard.engine.config import GuardConfig  # noqa: E402
from services.guard.engine.pipeline import GuardPipeline  # noqa: E402
from services.guard.engine.profiles import profile_named  # noqa: E402

LOG = profile_named("log")
SYSTEM = "You are Acme's support assistant. Answer questions about Acme products politely and concisely."


def chats(benign: list[str]) -> list[list[dict]]:
    rng = random.Random(ARGS.seed)
    out = []
    for _ in range(ARGS.chats):
        turns = []
        for _ in range(ARGS.turns):
            turns.append({"role": "user", "content": benign_filler(rng, benign, 1000)})
            turns.append({"role": "assistant", "content": benign_filler(rng, benign, 300)})
        out.append(turns)
    return out


async def main() -> None:
    rows = [json.loads(line) for line in (ROOT / "data" / "guard" / "injection_dev.jsonl").open()]
    benign = [r["text"] for r in rows if r["label"] == 0]
    cached = GuardPipeline.build(GuardConfig(threads=1))
    fresh = GuardPipeline.build(GuardConfig(threads=1, cache_texts=0))
    for p in (cached, fresh):  # warm-up, on texts of no chat
        await p.screen_chat({"messages": [{"role": "user", "content": benign_filler(random.Random(99), benign, 1000)}]},
                            LOG, "warm-up")
    ms: dict[str, list[list[float]]] = {"cache": [[] for _ in range(ARGS.turns)],
                                        "no cache": [[] for _ in range(ARGS.turns)]}
    for c, turns in enumerate(chats(benign)):
        for t in range(ARGS.turns):
            body = {"messages": [{"role": "system", "content": SYSTEM}, *turns[: 2 * t + 1]]}
            pair = [("cache", cached), ("no cache", fresh)]
            for name, pipeline in pair if (c + t) % 2 == 0 else pair[::-1]:
                t0 = time.perf_counter()
                await pipeline.screen_chat(body, LOG, "app-key")
                ms[name][t].append((time.perf_counter() - t0) * 1000)
    print(f"{ARGS.chats} chats of {ARGS.turns} turns (user ~1,000 chars, assistant ~300), one core, ms per request")
    print(f"{'turn':>4} {'history chars':>13}  {'cache p50':>9} {'p95':>6}  {'no cache p50':>12} {'p95':>6}  ratio")
    for t in range(ARGS.turns):
        ratio = statistics.median(a / b for a, b in zip(ms["cache"][t], ms["no cache"][t], strict=True))
        print(f"{t + 1:>4} {1000 * (t + 1) + 300 * t:>13,}  {statistics.median(ms['cache'][t]):9.1f} "
              f"{percentile(ms['cache'][t], 95):6.1f}  {statistics.median(ms['no cache'][t]):12.1f} "
              f"{percentile(ms['no cache'][t], 95):6.1f}  {ratio:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
