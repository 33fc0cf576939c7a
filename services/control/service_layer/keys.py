"""Creating, reading and updating gateway keys."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from libs.common.db.models import GatewayKey
from libs.common.errors import Conflict
from libs.common.keys import display_prefix, hash_key, new_gateway_key
from services.control.bootstrap import Control
from services.control.errors import Unprocessable
from services.control.records import key_view
from services.control.repositories import keys, tenants
from services.control.schemas import CreatedKey, CreateKey, KeyView, Page, UpdateKey
from services.control.service_layer.common import as_utc, load_key, publish_change, resolve_profile

# Providers that need no provider key: the mock answers through LiteLLM's mock_response.
KEYLESS_PROVIDERS = frozenset({"mock"})


def _check_provider(provider: str, has_key: bool, api_base: str | None) -> None:
    if not has_key and provider not in KEYLESS_PROVIDERS and not api_base:
        raise Unprocessable(
            f"provider_api_key is required for provider {provider!r} (only the 'mock' provider and keys with an "
            "api_base may omit it).",
            param="provider_api_key",
        )


async def create_key(ctl: Control, req: CreateKey) -> CreatedKey:
    """Store a new key (hash, display prefix, sealed provider key) and queue it for every cache."""
    _check_provider(req.provider, req.provider_api_key is not None, req.api_base)
    plaintext = new_gateway_key()
    sealed = ctl.keyring.seal(req.provider_api_key.get_secret_value()) if req.provider_api_key else None
    async with ctl.sessions() as session, session.begin():
        await tenants.ensure(session, req.tenant)
        profile_row, inline = await resolve_profile(session, req.profile)
        row = GatewayKey(
            tenant=req.tenant,
            name=req.name,
            key_hash=hash_key(plaintext),
            prefix=display_prefix(plaintext),
            provider=req.provider,
            model=req.model,
            allowed_models=list(dict.fromkeys(req.allowed_models)),
            api_base=req.api_base,
            provider_key_ciphertext=sealed,
            profile_id=profile_row.id if profile_row else None,
            profile=inline,
            expires_at=as_utc(req.expires_at),
            revision=1,
        )
        session.add(row)
        await publish_change(session, row, profile_row, "created", bump=False)
        view = key_view(row, profile_row)
    ctl.changed()
    return CreatedKey(**view.model_dump(), key=plaintext)


async def get_key(ctl: Control, key_id: str) -> KeyView:
    async with ctl.sessions() as session:
        return key_view(*await load_key(session, key_id))


def encode_cursor(created_at: datetime, key_id: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{key_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        at, _, key_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition("|")
        return datetime.fromisoformat(at), key_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Unprocessable("The cursor is not one this API returned.", param="cursor") from None


async def list_keys(
    ctl: Control, *, limit: int, cursor: str | None, offset: int, tenant: str | None, revoked: bool | None
) -> Page[KeyView]:
    after = decode_cursor(cursor) if cursor else None
    async with ctl.sessions() as session:
        rows = await keys.page(session, limit=limit + 1, after=after, offset=offset, tenant=tenant, revoked=revoked)
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1][0].created_at, rows[-1][0].id) if has_more else None
    return Page[KeyView](data=[key_view(r, p) for r, p in rows], has_more=has_more, next_cursor=next_cursor)


async def update_key(ctl: Control, key_id: str, req: UpdateKey) -> KeyView:
    """Change a key's profile or settings; every cache gets the new revision."""
    fields = req.model_fields_set
    async with ctl.sessions() as session, session.begin():
        row, profile_row = await load_key(session, key_id, for_update=True)
        if row.revoked_at is not None:
            raise Conflict(f"Gateway key {key_id!r} is revoked and cannot be changed.", code="key_revoked")
        if "profile" in fields:
            profile_row, row.profile = await resolve_profile(session, req.profile)
            row.profile_id = profile_row.id if profile_row else None
        for name in sorted(fields & {"name", "model", "allowed_models"}):
            if (value := getattr(req, name)) is None:
                raise Unprocessable(f"{name} cannot be null.", param=name)
            setattr(row, name, value)
        if "api_base" in fields:
            row.api_base = req.api_base
        if "expires_at" in fields:
            row.expires_at = as_utc(req.expires_at)
        if "provider_api_key" in fields:
            secret = req.provider_api_key
            row.provider_key_ciphertext = ctl.keyring.seal(secret.get_secret_value()) if secret else None
        _check_provider(row.provider, row.provider_key_ciphertext is not None, row.api_base)
        await publish_change(session, row, profile_row, "updated")
        view = key_view(row, profile_row)
    ctl.changed()
    return view
