"""The migrations build the schema the models describe, on Postgres and SQLite, and audit inserts are idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from libs.common.db import make_engine, make_sessionmaker, upgrade
from libs.common.db.audit import insert_audit_event, record_audit_event
from libs.common.db.models import AuditEventRow, Base
from libs.common.messages import AuditEvent, Finding, SecurityAssessment, Usage


@pytest.fixture(params=["postgres", "sqlite"])
def any_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/nested/gateway.db"
    return request.getfixturevalue("database_url")


async def test_upgrade_is_repeatable_and_matches_the_models(any_database: str) -> None:
    await upgrade(any_database)
    await upgrade(any_database)
    engine = make_engine(any_database)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
            revision = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await engine.dispose()
    assert diff == []
    assert revision is not None


async def test_audit_events_are_written_once_and_keep_no_matched_text(any_database: str) -> None:
    await upgrade(any_database)
    engine = make_engine(any_database)
    sessions = make_sessionmaker(engine)
    finding = Finding(type="EMAIL_ADDRESS", category="pii", start=3, end=20, score=0.9, message_index=0)
    event = AuditEvent(
        request_id="req-1",
        service="guard",
        kind="blocked",
        key_id="k1",
        decision="blocked",
        status=400,
        assessment=SecurityAssessment(is_safe=False, violated_rule="PII Detection", risk_score=8, findings=[finding]),
        usage=Usage(prompt_tokens=3),
    )
    try:
        assert await record_audit_event(sessions, event) is True
        assert await record_audit_event(sessions, event) is False
        async with sessions() as session, session.begin():
            assert await insert_audit_event(session, event) is False
        async with sessions() as session:
            rows = (await session.scalars(select(AuditEventRow).where(AuditEventRow.event_id == event.event_id))).all()
            total = await session.scalar(select(func.count()).select_from(AuditEventRow))
    finally:
        await engine.dispose()
    assert len(rows) == 1 and total is not None
    row = rows[0]
    assert row.findings == [
        {"type": "EMAIL_ADDRESS", "category": "pii", "start": 3, "end": 20, "score": 0.9, "rule": None}
    ]
    assert row.risk_score == 8 and row.violated_rule == "PII Detection" and row.usage["prompt_tokens"] == 3
    assert row.at.tzinfo is not None
