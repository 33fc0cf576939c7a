"""Runs one service in this process: what ``gateway run <service>`` (and so every container) does."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any

from libs.common import telemetry
from libs.common.settings import Settings

SERVICES = ("ingress", "guard", "router", "control", "audit")


def _run(coro: Coroutine[Any, Any, None]) -> None:
    try:
        import uvloop
    except ImportError:  # uvloop is optional (not on Windows)
        asyncio.run(coro)
    else:
        uvloop.run(coro)


def _serve_http(app: Any, settings: Settings, port: int) -> None:
    import uvicorn

    uvicorn.run(
        app, host=settings.host, port=port, log_level=settings.log_level.lower(), access_log=False,
        loop="auto", http="auto", timeout_graceful_shutdown=10,
    )


def run_service(name: str, settings: Settings) -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    telemetry.setup(name, settings)
    if name == "ingress":
        from services.ingress.app import create_app

        _serve_http(create_app(settings), settings, settings.ingress_port)
    elif name == "control":
        from services.control.app import create_app as create_control_app

        _serve_http(create_control_app(settings), settings, settings.control_port)
    elif name == "guard":
        from services.guard.worker import build_app

        _run(build_app(settings).run())
    elif name == "router":
        from services.router.worker import build_app as build_router

        _run(build_router(settings).run())
    elif name == "audit":
        from services.audit.worker import build_app as build_audit

        _run(build_audit(settings).run())
    else:
        raise SystemExit(f"unknown service {name!r}; choose one of {', '.join(SERVICES)}")
