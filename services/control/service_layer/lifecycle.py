"""Revoking, rotating and re-sealing gateway keys."""

from __future__ import annotations

from datetime import timedelta

from cryptography.exceptions import InvalidTag

from libs.common.db.models import GatewayKey
from libs.common.errors import Conflict
from libs.common.keys import display_prefix, hash_key, new_gateway_key
from libs.common.messages import utcnow
from services.control.bootstrap import Control
from services.control.records import key_view
from services.control.repositories import keys
from services.control.schemas import Rekeyed, RotatedKey, RotateKey
from services.control.service_layer.common import load_key, publish_change


async def revoke_key(ctl: Control, key_id: str) -> None:
    """Revoke at once (idempotent). Caches receive the record with ``revoked: true``."""
    async with ctl.sessions() as session, session.begin():
        row, profile_row = await load_key(session, key_id, for_update=True)
        if row.revoked_at is not None:
            return
        row.revoked_at = utcnow()
        await publish_change(session, row, profile_row, "revoked")
    ctl.changed()


async def rotate_key(ctl: Control, key_id: str, req: RotateKey) -> RotatedKey:
    """Issue a new key (new id, same settings); the old one keeps working for ``grace_seconds``, then stops."""
    plaintext = new_gateway_key()
    async with ctl.sessions() as session, session.begin():
        old, profile_row = await load_key(session, key_id, for_update=True)
        if old.revoked_at is not None:
            raise Conflict(f"Gateway key {key_id!r} is revoked; create a new key instead.", code="key_revoked")
        if old.rotated_to is not None:
            raise Conflict(
                f"Gateway key {key_id!r} was already rotated to {old.rotated_to!r}; rotate that one.",
                code="key_rotated",
            )
        new = GatewayKey(
            tenant=old.tenant,
            name=old.name,
            key_hash=hash_key(plaintext),
            prefix=display_prefix(plaintext),
            provider=old.provider,
            model=old.model,
            allowed_models=list(old.allowed_models),
            api_base=old.api_base,
            provider_key_ciphertext=old.provider_key_ciphertext,
            profile_id=old.profile_id,
            profile=old.profile,
            expires_at=old.expires_at,
            revision=1,
        )
        session.add(new)
        await publish_change(session, new, profile_row, "created", bump=False)
        now = utcnow()
        old.rotated_to = new.id
        old.grace_until = now + timedelta(seconds=req.grace_seconds)
        if req.grace_seconds == 0:
            old.revoked_at = now
        await publish_change(session, old, profile_row, "rotated")
        new_view, old_view = key_view(new, profile_row, now), key_view(old, profile_row, now)
    ctl.changed()
    return RotatedKey(**new_view.model_dump(), key=plaintext, previous=old_view)


async def rekey(ctl: Control) -> Rekeyed:
    """Re-seal every provider key with the primary KEK, so that older KEKs can be retired."""
    primary = ctl.keyring.primary
    count = 0
    async with ctl.sessions() as session, session.begin():
        for row, profile_row in await keys.with_provider_key(session):
            sealed = row.provider_key_ciphertext
            if sealed is None or ctl.keyring.key_id_of(sealed) == primary:
                continue
            try:
                plaintext = ctl.keyring.open(sealed)
            except (KeyError, InvalidTag):
                raise Conflict(
                    f"The provider key of gateway key {row.id!r} is sealed with key-encryption key "
                    f"{ctl.keyring.key_id_of(sealed)!r}, which GW_KEK does not hold: list it after the primary.",
                    code="kek_missing",
                ) from None
            row.provider_key_ciphertext = ctl.keyring.seal(plaintext)
            await publish_change(session, row, profile_row, "updated")
            count += 1
    if count:
        ctl.changed()
    return Rekeyed(resealed=count, primary_kek=primary)
