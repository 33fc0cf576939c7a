"""Idempotent writes of audit events, for the audit service's JetStream consumer."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.db.models import AuditEventRow
from libs.common.messages import AuditEvent

# What a stored finding keeps: where and what, never the matched text.
FINDING_FIELDS = ("type", "category", "start", "end", "score", "rule")


def audit_row_values(event: AuditEvent) -> dict[str, Any]:
    assessment = event.assessment
    return {
        "event_id": event.event_id,
        "request_id": event.request_id,
        "at": event.at,
        "service": event.service,
        "kind": event.kind,
        "key_id": event.key_id,
        "tenant": event.tenant,
        "model": event.model,
        "status": event.status,
        "decision": event.decision,
        "risk_score": assessment.risk_score if assessment else None,
        "violated_rule": assessment.violated_rule if assessment else None,
        "findings": [f.model_dump(mode="json", include=set(FINDING_FIELDS)) for f in assessment.findings]
        if assessment
        else [],
        "usage": event.usage.model_dump(mode="json") if event.usage else None,
        "latency_ms": event.latency_ms,
        "detail": event.detail,
    }


async def insert_audit_event(session: AsyncSession, event: AuditEvent) -> bool:
    """Insert ``event`` unless a row with its ``event_id`` exists. True when a row was written.

    Runs in the caller's transaction and does not commit: ack the JetStream message only after the commit, e.g.
    ``async with sessions() as s, s.begin(): await insert_audit_event(s, event)`` — or use
    :func:`record_audit_event`, which does exactly that.
    """
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(AuditEventRow).values(**audit_row_values(event))
    stmt = stmt.on_conflict_do_nothing(index_elements=[AuditEventRow.event_id])
    result = await session.execute(stmt)
    return bool(result.rowcount)


async def record_audit_event(sessions: async_sessionmaker[AsyncSession], event: AuditEvent) -> bool:
    """Insert ``event`` in a transaction of its own and commit it. True when a row was written."""
    async with sessions() as session, session.begin():
        return await insert_audit_event(session, event)
