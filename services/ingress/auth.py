"""Gateway-key authentication against the in-memory key cache (never the database)."""

from __future__ import annotations

from starlette.datastructures import Headers

from libs.common.errors import AuthenticationFailed, PermissionDenied
from libs.common.keycache import KeyCache
from libs.common.keys import hash_key
from libs.common.messages import KeyRecord


def presented_key(headers: Headers) -> str | None:
    auth = headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    return headers.get("x-api-key") or None


def authenticate(headers: Headers, cache: KeyCache) -> KeyRecord:
    """The active key record for the request's gateway key. The key itself is never echoed back."""
    key = presented_key(headers)
    if not key:
        raise AuthenticationFailed(
            "You didn't provide an API key. Send your gateway key as 'Authorization: Bearer <key>' or 'X-API-Key'.",
            code="missing_api_key",
        )
    # Lookup is by SHA-256 of the presented key: a dict hit on a hash reveals nothing through timing about keys
    # that are not presented, and no plaintext is ever stored to compare against.
    record = cache.by_hash(hash_key(key))
    if record is None or not record.is_active():
        raise AuthenticationFailed("Incorrect API key provided, or the key was revoked or has expired.")
    return record


def resolve_model(record: KeyRecord, requested: str | None) -> str:
    model = requested or record.model
    if not record.allows(model):
        raise PermissionDenied(f"This gateway key may not use the model '{model}'.", param="model")
    return model
