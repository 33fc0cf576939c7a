"""Tenant rows."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db.models import GatewayKey, Tenant
from libs.common.messages import utcnow


async def ensure(session: AsyncSession, name: str) -> bool:
    """Create the tenant unless it exists (safe against a concurrent create). True when it was created."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(Tenant).values(name=name, created_at=utcnow()).on_conflict_do_nothing(index_elements=["name"])
    return bool((await session.execute(stmt)).rowcount)


async def get(session: AsyncSession, name: str) -> Tenant | None:
    return await session.get(Tenant, name)


async def list_with_counts(session: AsyncSession, name: str | None = None) -> list[tuple[Tenant, int]]:
    active = (
        select(GatewayKey.tenant, func.count().label("n"))
        .where(GatewayKey.revoked_at.is_(None))
        .group_by(GatewayKey.tenant)
        .subquery()
    )
    stmt = select(Tenant, func.coalesce(active.c.n, 0)).outerjoin(active, active.c.tenant == Tenant.name)
    if name is not None:
        stmt = stmt.where(Tenant.name == name)
    return [(t, int(n)) for t, n in (await session.execute(stmt.order_by(Tenant.name))).all()]


async def remove(session: AsyncSession, name: str) -> None:
    await session.execute(delete(GatewayKey).where(GatewayKey.tenant == name))
    await session.execute(delete(Tenant).where(Tenant.name == name))
