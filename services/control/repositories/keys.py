"""Gateway key rows, each read together with its named profile (if any)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db.models import GatewayKey, KeyProfileRow

KeyWithProfile = tuple[GatewayKey, KeyProfileRow | None]


def _with_profile() -> Select[tuple[GatewayKey, KeyProfileRow | None]]:
    return select(GatewayKey, KeyProfileRow).outerjoin(KeyProfileRow, GatewayKey.profile_id == KeyProfileRow.id)


async def get(session: AsyncSession, key_id: str, *, for_update: bool = False) -> KeyWithProfile | None:
    stmt = _with_profile().where(GatewayKey.id == key_id)
    if for_update:
        stmt = stmt.with_for_update(of=GatewayKey)
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row else None


async def page(
    session: AsyncSession,
    *,
    limit: int,
    after: tuple[datetime, str] | None = None,
    offset: int = 0,
    tenant: str | None = None,
    revoked: bool | None = None,
) -> list[KeyWithProfile]:
    """Keys oldest first; ``after`` is the (created_at, id) of the last key of the previous page."""
    stmt = _with_profile().order_by(GatewayKey.created_at, GatewayKey.id).limit(limit)
    if tenant is not None:
        stmt = stmt.where(GatewayKey.tenant == tenant)
    if revoked is not None:
        stmt = stmt.where(GatewayKey.revoked_at.is_not(None) if revoked else GatewayKey.revoked_at.is_(None))
    if after is not None:
        at, key_id = after
        stmt = stmt.where(or_(GatewayKey.created_at > at, and_(GatewayKey.created_at == at, GatewayKey.id > key_id)))
    elif offset:
        stmt = stmt.offset(offset)
    return [(r[0], r[1]) for r in (await session.execute(stmt)).all()]


async def of_tenant(session: AsyncSession, tenant: str, *, unrevoked_only: bool = True) -> list[KeyWithProfile]:
    stmt = _with_profile().where(GatewayKey.tenant == tenant).with_for_update(of=GatewayKey)
    if unrevoked_only:
        stmt = stmt.where(GatewayKey.revoked_at.is_(None))
    return [(r[0], r[1]) for r in (await session.execute(stmt)).all()]


async def of_profile(session: AsyncSession, profile_id: str) -> Sequence[GatewayKey]:
    stmt = select(GatewayKey).where(GatewayKey.profile_id == profile_id).with_for_update()
    return (await session.scalars(stmt)).all()


async def with_provider_key(session: AsyncSession) -> list[KeyWithProfile]:
    stmt = _with_profile().where(GatewayKey.provider_key_ciphertext.is_not(None)).with_for_update(of=GatewayKey)
    return [(r[0], r[1]) for r in (await session.execute(stmt)).all()]


async def count_unrevoked(session: AsyncSession, tenant: str) -> int:
    stmt = select(func.count()).where(GatewayKey.tenant == tenant, GatewayKey.revoked_at.is_(None))
    return int(await session.scalar(stmt) or 0)
