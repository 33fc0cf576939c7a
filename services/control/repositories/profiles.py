"""Named key profiles."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db.models import GatewayKey, KeyProfileRow


async def get(session: AsyncSession, ref: str) -> KeyProfileRow | None:
    """By id or by name."""
    stmt = select(KeyProfileRow).where((KeyProfileRow.id == ref) | (KeyProfileRow.name == ref))
    return (await session.scalars(stmt)).first()


async def by_name(session: AsyncSession, name: str) -> KeyProfileRow | None:
    return (await session.scalars(select(KeyProfileRow).where(KeyProfileRow.name == name))).first()


async def list_with_counts(session: AsyncSession) -> list[tuple[KeyProfileRow, int]]:
    used = (
        select(GatewayKey.profile_id, func.count().label("n"))
        .where(GatewayKey.revoked_at.is_(None))
        .group_by(GatewayKey.profile_id)
        .subquery()
    )
    stmt = (
        select(KeyProfileRow, func.coalesce(used.c.n, 0))
        .outerjoin(used, used.c.profile_id == KeyProfileRow.id)
        .order_by(KeyProfileRow.name)
    )
    return [(p, int(n)) for p, n in (await session.execute(stmt)).all()]


async def count_keys(session: AsyncSession, profile_id: str) -> int:
    return int(await session.scalar(select(func.count()).where(GatewayKey.profile_id == profile_id)) or 0)
