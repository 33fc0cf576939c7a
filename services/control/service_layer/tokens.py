"""Admin tokens beyond the bootstrap one: created (plaintext shown once), listed, revoked."""

from __future__ import annotations

from libs.common.db.models import AdminToken
from libs.common.errors import NotFound
from libs.common.keys import display_prefix, hash_key
from libs.common.messages import utcnow
from libs.common.settings import generate_token
from services.control.bootstrap import Control
from services.control.repositories import tokens
from services.control.schemas import CreatedToken, CreateToken, Page, TokenView

ADMIN_TOKEN_PREFIX = "gwa-"  # noqa: S105 - a display prefix, not a secret


def _view(row: AdminToken) -> TokenView:
    return TokenView(id=row.id, name=row.name, prefix=row.prefix, created_at=row.created_at, revoked_at=row.revoked_at)


async def create_token(ctl: Control, req: CreateToken) -> CreatedToken:
    plaintext = generate_token(ADMIN_TOKEN_PREFIX)
    row = AdminToken(name=req.name, token_hash=hash_key(plaintext), prefix=display_prefix(plaintext))
    async with ctl.sessions() as session, session.begin():
        session.add(row)
    return CreatedToken(**_view(row).model_dump(), token=plaintext)


async def list_tokens(ctl: Control) -> Page[TokenView]:
    async with ctl.sessions() as session:
        return Page[TokenView](data=[_view(r) for r in await tokens.all_tokens(session)])


async def revoke_token(ctl: Control, token_id: str) -> None:
    async with ctl.sessions() as session, session.begin():
        row = await tokens.get(session, token_id)
        if row is None:
            raise NotFound(f"No admin token with id {token_id!r}.", code="token_not_found")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
