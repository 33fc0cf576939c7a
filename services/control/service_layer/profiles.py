"""Named key profiles. Changing one republishes every key that uses it."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db.models import KeyProfileRow
from libs.common.errors import Conflict, NotFound
from libs.common.messages import KeyProfile
from services.control.bootstrap import Control
from services.control.records import profile_view
from services.control.repositories import keys, profiles
from services.control.schemas import CreateProfile, Page, ProfileView, UpdateProfile
from services.control.service_layer.common import publish_change

_DEFAULTS = KeyProfile()
# What a field set to null in a PATCH returns to.
_RESETS: dict[str, object] = {
    "actions": dict(_DEFAULTS.actions),
    "risk_threshold": _DEFAULTS.risk_threshold,
    "fail_open": False,
    "rpm_limit": None,
    "allowed_models": [],
}


async def create_profile(ctl: Control, req: CreateProfile) -> ProfileView:
    row = KeyProfileRow(
        name=req.name,
        actions=req.actions if req.actions is not None else dict(_DEFAULTS.actions),
        risk_threshold=req.risk_threshold if req.risk_threshold is not None else _DEFAULTS.risk_threshold,
        fail_open=bool(req.fail_open),
        rpm_limit=req.rpm_limit,
        allowed_models=list(dict.fromkeys(req.allowed_models or [])),
    )
    try:
        async with ctl.sessions() as session, session.begin():
            if await profiles.by_name(session, req.name) is not None:
                raise Conflict(f"A key profile named {req.name!r} already exists.", code="profile_exists")
            session.add(row)
    except IntegrityError:
        raise Conflict(f"A key profile named {req.name!r} already exists.", code="profile_exists") from None
    return profile_view(row)


async def _load(session: AsyncSession, ref: str) -> KeyProfileRow:
    row = await profiles.get(session, ref)
    if row is None:
        raise NotFound(f"No key profile {ref!r}.", code="profile_not_found")
    return row


async def list_profiles(ctl: Control) -> Page[ProfileView]:
    async with ctl.sessions() as session:
        rows = await profiles.list_with_counts(session)
    return Page[ProfileView](data=[profile_view(p, n) for p, n in rows])


async def get_profile(ctl: Control, ref: str) -> ProfileView:
    async with ctl.sessions() as session:
        row = await _load(session, ref)
        return profile_view(row, await profiles.count_keys(session, row.id))


async def update_profile(ctl: Control, ref: str, req: UpdateProfile) -> ProfileView:
    fields = req.model_fields_set
    async with ctl.sessions() as session, session.begin():
        row = await _load(session, ref)
        if "name" in fields and req.name and req.name != row.name:
            if await profiles.by_name(session, req.name) is not None:
                raise Conflict(f"A key profile named {req.name!r} already exists.", code="profile_exists")
            row.name = req.name
        for name in _RESETS.keys() & fields:
            value = getattr(req, name)
            setattr(row, name, _RESETS[name] if value is None else value)
        await session.flush()
        users = await keys.of_profile(session, row.id)
        for key_row in users:
            await publish_change(session, key_row, row, "updated")
        view = profile_view(row, len(users))
    if users:
        ctl.changed()
    return view


async def delete_profile(ctl: Control, ref: str) -> None:
    async with ctl.sessions() as session, session.begin():
        row = await _load(session, ref)
        in_use = [k for k in await keys.of_profile(session, row.id) if k.revoked_at is None]
        if in_use:
            raise Conflict(
                f"Key profile {row.name!r} is used by {len(in_use)} unrevoked key(s); move them first.",
                code="profile_in_use",
            )
        await session.delete(row)
