"""Pure translations between database rows, the KeyRecord every cache holds, and the masked API views."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from libs.common.db.models import GatewayKey, KeyProfileRow
from libs.common.messages import KeyProfile, KeyRecord, utcnow
from services.control.schemas import KeyView, ProfileView


def profile_of(profile_row: KeyProfileRow | None) -> KeyProfile:
    if profile_row is None:
        return KeyProfile()
    return KeyProfile(
        actions=profile_row.actions,
        risk_threshold=profile_row.risk_threshold,
        fail_open=profile_row.fail_open,
        rpm_limit=profile_row.rpm_limit,
    )


def effective_profile(row: GatewayKey, profile_row: KeyProfileRow | None) -> KeyProfile:
    if profile_row is not None:
        return profile_of(profile_row)
    return KeyProfile.model_validate(row.profile) if row.profile else KeyProfile()


def effective_models(row: GatewayKey, profile_row: KeyProfileRow | None) -> list[str]:
    """The key's own allowed models followed by its profile's, without repeats."""
    extra = profile_row.allowed_models if profile_row is not None else []
    return list(dict.fromkeys([*row.allowed_models, *extra]))


def key_record(row: GatewayKey, profile_row: KeyProfileRow | None) -> KeyRecord:
    """The record published to the ``gw_keys`` bucket: hash and sealed provider key only, never plaintext."""
    return KeyRecord(
        id=row.id,
        key_hash=row.key_hash,
        prefix=row.prefix,
        name=row.name,
        tenant=row.tenant,
        provider=row.provider,
        model=row.model,
        allowed_models=effective_models(row, profile_row),
        api_base=row.api_base,
        provider_key_ciphertext=row.provider_key_ciphertext,
        profile=effective_profile(row, profile_row),
        revoked=row.revoked_at is not None,
        expires_at=row.expires_at,
        grace_until=row.grace_until,
        revision=row.revision,
    )


def key_view(row: GatewayKey, profile_row: KeyProfileRow | None, now: datetime | None = None) -> KeyView:
    record = key_record(row, profile_row)
    return KeyView(
        id=row.id,
        name=row.name,
        tenant=row.tenant,
        prefix=row.prefix,
        provider=row.provider,
        model=row.model,
        allowed_models=record.allowed_models,
        api_base=row.api_base,
        has_provider_key=row.provider_key_ciphertext is not None,
        profile_name=profile_row.name if profile_row is not None else None,
        profile=record.profile,
        active=record.is_active(now or utcnow()),
        revoked=record.revoked,
        revoked_at=row.revoked_at,
        expires_at=row.expires_at,
        grace_until=row.grace_until,
        rotated_to=row.rotated_to,
        revision=row.revision,
        created_at=row.created_at,
    )


def profile_view(row: KeyProfileRow, keys: int = 0) -> ProfileView:
    return ProfileView(
        id=row.id,
        name=row.name,
        actions=row.actions,
        risk_threshold=row.risk_threshold,
        fail_open=row.fail_open,
        rpm_limit=row.rpm_limit,
        allowed_models=row.allowed_models,
        keys=keys,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def key_change_payload(record: KeyRecord, action: str) -> dict[str, Any]:
    return {"action": action, "record": record.model_dump(mode="json")}
