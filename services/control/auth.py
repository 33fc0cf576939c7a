"""Admin authentication: ``Authorization: Bearer <admin token>``; the bootstrap token or a stored (hashed) one."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from libs.common.errors import AuthenticationFailed
from libs.common.keys import hash_key, same_hash
from services.control.bootstrap import Control
from services.control.repositories import tokens

_bearer = HTTPBearer(auto_error=False, description="An admin token (GW_ADMIN_TOKEN, or one made at /admin/v1/tokens).")


def control(request: Request) -> Control:
    return request.app.state.control


async def require_admin(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str:
    """The name of the authenticated admin token, or a 401."""
    ctl = control(request)
    bootstrap = ctl.settings.admin_token
    if credentials is None or not credentials.credentials:
        if bootstrap is None and not await _any_stored_token(ctl):
            raise AuthenticationFailed(
                "The admin API is locked: no admin token is configured. Set GW_ADMIN_TOKEN and restart the "
                "control service."
            )
        raise AuthenticationFailed("Missing admin token: send 'Authorization: Bearer <admin token>'.")
    presented = hash_key(credentials.credentials)
    if bootstrap is not None and same_hash(presented, hash_key(bootstrap.get_secret_value())):
        return "bootstrap"
    async with ctl.sessions() as session:
        stored = await tokens.active_by_hash(session, presented)
    if stored is None:
        raise AuthenticationFailed("Invalid admin token.")
    return stored.name


async def _any_stored_token(ctl: Control) -> bool:
    async with ctl.sessions() as session:
        return await tokens.any_active(session)
