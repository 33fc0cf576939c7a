"""/admin/v1/tokens"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from services.control.auth import control, require_admin
from services.control.bootstrap import Control
from services.control.schemas import CreatedToken, CreateToken, Page, TokenView
from services.control.service_layer import tokens

router = APIRouter(prefix="/admin/v1/tokens", tags=["admin tokens"], dependencies=[Depends(require_admin)])


@router.post("", status_code=201, summary="Create an admin token (the plaintext is in this response only)")
async def create_token(body: CreateToken, ctl: Control = Depends(control)) -> CreatedToken:
    return await tokens.create_token(ctl, body)


@router.get("", summary="List admin tokens (masked)")
async def list_tokens(ctl: Control = Depends(control)) -> Page[TokenView]:
    return await tokens.list_tokens(ctl)


@router.delete("/{token_id}", status_code=204, summary="Revoke an admin token")
async def revoke_token(token_id: str, ctl: Control = Depends(control)) -> Response:
    await tokens.revoke_token(ctl, token_id)
    return Response(status_code=204)
