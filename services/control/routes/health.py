"""Liveness and readiness, without authentication and without details."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import text

from services.control.auth import control
from services.control.bootstrap import Control

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready")
async def ready(ctl: Control = Depends(control)) -> JSONResponse:
    checks = {"database": False, "nats": ctl.relay.connected}
    try:
        async with ctl.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = True
    except Exception:  # readiness reports, it does not raise
        checks["database"] = False
    ok = all(checks.values())
    return JSONResponse({"status": "ready" if ok else "not_ready", **checks}, status_code=200 if ok else 503)
