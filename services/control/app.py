"""The admin API application. ``create_app(settings)`` builds it; nothing happens at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from libs.common.settings import Settings
from services.control import bootstrap
from services.control.errors import install_error_handlers
from services.control.routes import health, keys, profiles, tenants, tokens

DESCRIPTION = """Admin API of the LLM security gateway: tenants, gateway keys, key profiles and admin tokens.

Every route under `/admin/v1` needs `Authorization: Bearer <admin token>`. Errors use OpenAI's error body.
The service upgrades the database schema to the newest migration when it starts."""


def create_app(settings: Settings, *, ctl: bootstrap.Control | None = None) -> FastAPI:
    """The FastAPI app. Its lifespan upgrades the schema, connects to NATS and runs the outbox relay."""
    control = ctl or bootstrap.build(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await bootstrap.start(control)
        try:
            yield
        finally:
            await bootstrap.stop(control)

    app = FastAPI(title="LLM gateway control", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.control = control
    install_error_handlers(app)
    for module in (health, keys, tenants, profiles, tokens):
        app.include_router(module.router)
    return app
