"""Every error the admin API returns is an OpenAI error body; nothing internal reaches a response."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from libs.common.errors import AuthenticationFailed, GatewayError, InvalidRequest, openai_error_body

log = logging.getLogger(__name__)


class Unprocessable(InvalidRequest):
    """A well-formed request that refers to something unusable (an unknown profile, a bad cursor)."""

    status = 422


def _render(exc: GatewayError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, AuthenticationFailed) else None
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)


async def _gateway_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GatewayError)
    return _render(exc)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Only where and what: pydantic's "input" would echo request values, provider keys included.
    problems, param = [], None
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        param = param or (".".join(loc) or None)
        problems.append(f"{'.'.join(loc) or 'body'}: {err.get('msg', 'invalid')}")
    message = "Invalid request: " + "; ".join(problems[:5])
    return JSONResponse(openai_error_body(message, code="invalid_request", param=param), status_code=422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    kind = "not_found" if exc.status_code == 404 else "invalid_request"
    message = "Not found." if exc.status_code == 404 else str(exc.detail)
    return JSONResponse(openai_error_body(message, code=kind), status_code=exc.status_code, headers=exc.headers)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error in the admin API: %s", type(exc).__name__)
    body = openai_error_body("Internal error.", type="server_error", code="internal_error")
    return JSONResponse(body, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(GatewayError, _gateway_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
