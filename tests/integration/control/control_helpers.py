"""Helpers for the control tests: an in-process control app on real Postgres and NATS, driven through httpx."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from libs.common.keys import new_kek
from libs.common.settings import Settings
from services.control import bootstrap
from services.control.app import create_app

ADMIN_TOKEN = "adm-test-bootstrap-token-0123456789"


def control_settings(database_url: str, nats_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "nats_url": nats_url,
        "data_dir": data_dir,
        "admin_token": ADMIN_TOKEN,
        "kek": new_kek(),
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


class ControlClient(httpx.AsyncClient):
    ctl: bootstrap.Control


@asynccontextmanager
async def open_client(settings: Settings, token: str | None = ADMIN_TOKEN) -> AsyncIterator[ControlClient]:
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with ControlClient(transport=transport, base_url="http://control", headers=headers) as client:
            client.ctl = app.state.control
            yield client


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
