"""Pieces the key use cases share: profile resolution, publishing a change, time normalisation."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db.models import GatewayKey, KeyProfileRow
from libs.common.errors import NotFound
from libs.common.messages import KeyRecord
from services.control.errors import Unprocessable
from services.control.records import key_record
from services.control.repositories import keys, outbox, profiles
from services.control.schemas import InlineProfile, ProfileRef


def as_utc(value: datetime | None) -> datetime | None:
    """Times without an offset are taken as UTC, so every cache compares aware datetimes."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def resolve_profile(session: AsyncSession, ref: ProfileRef | None) -> tuple[KeyProfileRow | None, dict | None]:
    """(named profile row, inline profile dump): at most one of them is set."""
    if ref is None:
        return None, None
    if isinstance(ref, InlineProfile):
        return None, ref.model_dump(mode="json")
    row = await profiles.get(session, ref)
    if row is None:
        raise Unprocessable(f"No key profile named {ref!r}.", param="profile", code="profile_not_found")
    return row, None


async def load_key(
    session: AsyncSession, key_id: str, *, for_update: bool = False
) -> tuple[GatewayKey, KeyProfileRow | None]:
    found = await keys.get(session, key_id, for_update=for_update)
    if found is None:
        raise NotFound(f"No gateway key with id {key_id!r}.", code="key_not_found")
    return found


async def publish_change(
    session: AsyncSession,
    row: GatewayKey,
    profile_row: KeyProfileRow | None,
    action: str,
    *,
    bump: bool = True,
) -> KeyRecord:
    """Bump the key's revision and queue the new record in the outbox, in the caller's transaction."""
    if bump:
        row.revision += 1
    await session.flush()
    record = key_record(row, profile_row)
    outbox.add_key_change(session, record, action)
    return record
