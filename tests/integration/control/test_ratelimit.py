"""The cross-instance rate limiter on a real NATS KV bucket: two limiters on two connections share one limit."""

from __future__ import annotations

import asyncio
import uuid

import nats

from libs.common.ratelimit import RateLimiter


async def test_two_instances_share_one_limit(nats_url: str) -> None:
    nc1, nc2 = await nats.connect(nats_url), await nats.connect(nats_url)
    try:
        now = [60 * 16_667 + 20.0]  # 20 s into a window
        a = RateLimiter(nc1.jetstream(), clock=lambda: now[0])
        b = RateLimiter(nc2.jetstream(), clock=lambda: now[0])
        key = uuid.uuid4().hex
        results = await asyncio.gather(*[(a if i % 2 else b).hit(key, 10) for i in range(25)])
        assert sum(ok for ok, _ in results) == 10
        assert all(retry == 40 for ok, retry in results if not ok)
        assert await a.hit(key, 10) == (False, 40)
        now[0] += 40  # the next window opens
        assert await b.hit(key, 10) == (True, 0)
        assert (await a.hit(uuid.uuid4().hex, 1))[0] is True
    finally:
        await nc1.drain()
        await nc2.drain()
