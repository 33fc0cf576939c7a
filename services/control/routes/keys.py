"""/admin/v1/keys"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response

from services.control.auth import control, require_admin
from services.control.bootstrap import Control
from services.control.schemas import (
    CreatedKey,
    CreateKey,
    KeyView,
    Page,
    Rekeyed,
    RotatedKey,
    RotateKey,
    UpdateKey,
)
from services.control.service_layer import keys, lifecycle

router = APIRouter(prefix="/admin/v1/keys", tags=["keys"], dependencies=[Depends(require_admin)])


@router.post("", status_code=201, summary="Create a gateway key (the plaintext is in this response only)")
async def create_key(body: CreateKey, ctl: Control = Depends(control)) -> CreatedKey:
    return await keys.create_key(ctl, body)


@router.get("", summary="List keys, masked, oldest first")
async def list_keys(
    ctl: Control = Depends(control),
    limit: int = Query(50, ge=1, le=500),
    cursor: str | None = Query(None, description="next_cursor of the previous page"),
    offset: int = Query(0, ge=0, description="Ignored when a cursor is given."),
    tenant: str | None = None,
    revoked: bool | None = None,
) -> Page[KeyView]:
    return await keys.list_keys(ctl, limit=limit, cursor=cursor, offset=offset, tenant=tenant, revoked=revoked)


@router.post("/rekey", summary="Re-seal every provider key with the primary key-encryption key")
async def rekey(ctl: Control = Depends(control)) -> Rekeyed:
    return await lifecycle.rekey(ctl)


@router.get("/{key_id}", summary="One key, masked")
async def get_key(key_id: str, ctl: Control = Depends(control)) -> KeyView:
    return await keys.get_key(ctl, key_id)


@router.patch("/{key_id}", summary="Change a key's profile, models, expiry or provider key")
async def update_key(key_id: str, body: UpdateKey, ctl: Control = Depends(control)) -> KeyView:
    return await keys.update_key(ctl, key_id, body)


@router.delete("/{key_id}", status_code=204, summary="Revoke a key at once")
async def revoke_key(key_id: str, ctl: Control = Depends(control)) -> Response:
    await lifecycle.revoke_key(ctl, key_id)
    return Response(status_code=204)


@router.post("/{key_id}/rotate", status_code=201, summary="Issue a new key; the old one works for a grace period")
async def rotate_key(key_id: str, body: RotateKey | None = None, ctl: Control = Depends(control)) -> RotatedKey:
    return await lifecycle.rotate_key(ctl, key_id, body or RotateKey())
