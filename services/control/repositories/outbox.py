"""The transactional outbox: changes written beside the data they describe, relayed to NATS afterwards."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common import subjects
from libs.common.db.models import OutboxRow
from libs.common.messages import KeyRecord, utcnow
from services.control.records import key_change_payload

# Any constant: one relay at a time per Postgres database, so rows are published in commit order.
RELAY_LOCK = 0x67775F6B657973


def add_key_change(session: AsyncSession, record: KeyRecord, action: str) -> None:
    session.add(OutboxRow(topic=subjects.KEYS_CHANGED, key=record.id, payload=key_change_payload(record, action)))


async def claim_relay(session: AsyncSession) -> bool:
    """True when this transaction may relay (always on SQLite; a transaction-scoped advisory lock on Postgres)."""
    if session.bind.dialect.name != "postgresql":
        return True
    return bool(await session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": RELAY_LOCK}))


async def pending(session: AsyncSession, limit: int = 200) -> Sequence[OutboxRow]:
    stmt = select(OutboxRow).where(OutboxRow.sent_at.is_(None)).order_by(OutboxRow.id).limit(limit)
    return (await session.scalars(stmt)).all()


async def mark_sent(session: AsyncSession, ids: list[int]) -> None:
    if ids:
        await session.execute(update(OutboxRow).where(OutboxRow.id.in_(ids)).values(sent_at=utcnow()))


async def count_pending(session: AsyncSession) -> int:
    from sqlalchemy import func

    return int(await session.scalar(select(func.count()).where(OutboxRow.sent_at.is_(None))) or 0)
