"""The audit trail on real NATS and Postgres: every event stored exactly once, across restarts of the consumer."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from libs.common.bus import AuditPublisher, connect, ensure_audit_stream
from libs.common.db import make_engine, make_sessionmaker, upgrade
from libs.common.db.models import AuditEventRow
from libs.common.messages import AuditEvent, Finding, SecurityAssessment
from libs.common.settings import Settings
from services.audit.worker import build_app

pytestmark = pytest.mark.integration


async def count_rows(sessions: Any, prefix: str) -> int:
    async with sessions() as s:
        return await s.scalar(select(func.count()).where(AuditEventRow.request_id.startswith(prefix)))


async def wait_for_rows(sessions: Any, prefix: str, n: int, timeout: float = 20) -> int:
    deadline = asyncio.get_running_loop().time() + timeout
    got = 0
    while asyncio.get_running_loop().time() < deadline:
        got = await count_rows(sessions, prefix)
        if got >= n:
            await asyncio.sleep(0.3)  # let any duplicate land, so that "exactly once" is really checked
            return await count_rows(sessions, prefix)
        await asyncio.sleep(0.1)
    return got


@pytest.fixture
async def db(database_url: str) -> Any:
    await upgrade(database_url)
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


def event(prefix: str, i: int) -> AuditEvent:
    assessment = SecurityAssessment(
        is_safe=False, violated_rule="PII Detection", reason="card", risk_score=9,
        findings=[Finding(type="CREDIT_CARD", category="pii", start=3, end=22, score=1.0)],
    )
    return AuditEvent(request_id=f"{prefix}-{i}", service="guard", kind="blocked", decision="blocked",
                      status=400, assessment=assessment)


@pytest.fixture
async def bus(nats_server: Any, database_url: str) -> Any:
    """A publisher's JetStream context with the audit stream in place, and the settings an audit service uses."""
    nc = await connect(nats_server.url, "publisher")
    js = nc.jetstream()
    await ensure_audit_stream(js)
    yield js, Settings(nats_url=nats_server.url, database_url=database_url)
    await nc.close()


async def test_events_survive_a_restart_of_the_audit_service_exactly_once(bus: Any, db: Any) -> None:
    js, settings = bus
    publisher = AuditPublisher(js)
    app = build_app(settings)
    await app.start()
    for i in range(100):
        publisher.emit(event("restart", i))
    await publisher.flush()
    await app.stop()  # stop the consumer part-way (it may or may not have written everything)

    for i in range(100, 200):  # published while no audit service runs
        publisher.emit(event("restart", i))
    await publisher.flush()

    app = build_app(settings)
    await app.start()
    try:
        # Messages a stopped consumer had pulled but not acknowledged come back after ack_wait (10 s).
        assert await wait_for_rows(db, "restart", 200, timeout=40) == 200
    finally:
        await app.stop()


async def test_a_republished_event_is_stored_once(bus: Any, db: Any) -> None:
    js, settings = bus
    payload = event("dup", 0).model_dump_json().encode()  # one event: one event id
    app = build_app(settings)
    await app.start()
    try:
        for _ in range(3):
            # A retried publish outside JetStream's dedupe window, as after a long outage.
            await js.publish("gw.v1.audit.blocked", payload)
        assert await wait_for_rows(db, "dup", 1) == 1
    finally:
        await app.stop()


async def test_stored_findings_hold_no_matched_text(bus: Any, db: Any) -> None:
    js, settings = bus
    app = build_app(settings)
    await app.start()
    try:
        await js.publish("gw.v1.audit.blocked", event("text", 0).model_dump_json().encode())
        assert await wait_for_rows(db, "text", 1) == 1
        async with db() as s:
            row = (await s.execute(select(AuditEventRow).where(AuditEventRow.request_id == "text-0"))).scalar_one()
        assert row.violated_rule == "PII Detection"
        assert row.findings == [{"type": "CREDIT_CARD", "category": "pii", "start": 3, "end": 22, "score": 1.0,
                                 "rule": None}]
    finally:
        await app.stop()
