"""The key cache every ingress and router keeps: warm before ready, follows every change, survives a NATS restart."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from libs.common.bus import connect
from libs.common.keycache import KeyCache, keys_bucket
from libs.common.messages import KeyRecord

pytestmark = pytest.mark.integration


def record(key_id: str, revision: int = 0, **kw: Any) -> KeyRecord:
    return KeyRecord(id=key_id, key_hash=f"hash-{key_id}", prefix="p", name="n", provider="mock", model="m",
                     revision=revision, **kw)


async def eventually(check: Any, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def test_a_new_instance_is_warm_with_every_existing_key_before_start_returns(nats_server: Any) -> None:
    nc = await connect(nats_server.url, "writer")
    kv = await keys_bucket(nc.jetstream())
    for i in range(50):
        await kv.put(f"k{i}", record(f"k{i}").model_dump_json().encode())
    cache = KeyCache()
    reader = await connect(nats_server.url, "reader")
    await cache.start(reader.jetstream())
    assert len(cache) == 50
    assert cache.ready.is_set()
    await cache.stop()
    await reader.close()
    await nc.close()


async def test_empty_bucket_is_warm_immediately(nats_server: Any) -> None:
    nc = await connect(nats_server.url, "reader")
    cache = KeyCache()
    await cache.start(nc.jetstream(), timeout=5)
    assert len(cache) == 0
    await cache.stop()
    await nc.close()


async def test_changes_and_deletes_reach_a_running_cache(nats_server: Any) -> None:
    writer = await connect(nats_server.url, "writer")
    reader = await connect(nats_server.url, "reader")
    kv = await keys_bucket(writer.jetstream())
    cache = KeyCache()
    await cache.start(reader.jetstream())
    await kv.put("a", record("a").model_dump_json().encode())
    await eventually(lambda: cache.by_hash("hash-a") is not None)
    await kv.put("a", record("a", revision=1, revoked=True).model_dump_json().encode())
    await eventually(lambda: cache.by_id("a").revoked)
    await kv.delete("a")
    await eventually(lambda: cache.by_id("a") is None and cache.by_hash("hash-a") is None)
    await cache.stop()
    await reader.close()
    await writer.close()


async def test_cache_keeps_following_after_nats_restarts(nats_server: Any) -> None:
    writer = await connect(nats_server.url, "writer")
    cache = KeyCache()
    reader = await connect(nats_server.url, "reader", on_reconnect=[cache.resync])
    kv = await keys_bucket(writer.jetstream())
    await kv.put("a", record("a").model_dump_json().encode())
    await cache.start(reader.jetstream())
    nats_server.stop()
    await asyncio.sleep(0.5)
    nats_server.start()
    await eventually(lambda: writer.is_connected and reader.is_connected)
    kv = await keys_bucket(writer.jetstream())
    await kv.put("a", record("a", revision=1, revoked=True).model_dump_json().encode())
    # Within a second of the reconnect, not after the watcher's heartbeats time out (~20 s without resync).
    await eventually(lambda: cache.by_id("a").revoked, timeout=3)
    await cache.stop()
    await reader.close()
    await writer.close()
