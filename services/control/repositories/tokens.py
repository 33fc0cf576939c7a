"""Admin tokens, stored as SHA-256 hashes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db.models import AdminToken


async def active_by_hash(session: AsyncSession, token_hash: str) -> AdminToken | None:
    stmt = select(AdminToken).where(AdminToken.token_hash == token_hash, AdminToken.revoked_at.is_(None))
    return (await session.scalars(stmt)).first()


async def all_tokens(session: AsyncSession) -> Sequence[AdminToken]:
    return (await session.scalars(select(AdminToken).order_by(AdminToken.created_at))).all()


async def get(session: AsyncSession, token_id: str) -> AdminToken | None:
    return await session.get(AdminToken, token_id)


async def any_active(session: AsyncSession) -> bool:
    stmt = select(AdminToken.id).where(AdminToken.revoked_at.is_(None)).limit(1)
    return (await session.scalar(stmt)) is not None
