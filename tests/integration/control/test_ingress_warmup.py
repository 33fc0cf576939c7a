"""A second ingress started later is warm (every key, every revocation) before it reports ready."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from control_helpers import ControlClient, eventually

from libs.common.keys import hash_key
from libs.common.settings import Settings
from services.ingress.app import create_app
from services.ingress.bootstrap import start_ingress

pytestmark = pytest.mark.integration


async def models_status(app: object, key: str) -> int:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingress") as http:
        return (await http.get("/v1/models", headers={"Authorization": f"Bearer {key}"})).status_code


async def test_ingress_started_later_knows_every_key_change_before_ready(
    admin: ControlClient, nats_url: str, tmp_path: Path
) -> None:
    settings = Settings(nats_url=nats_url, data_dir=tmp_path)
    first = await start_ingress(settings)
    keys = {}
    for name in ("active", "revoked", "rotated"):
        resp = await admin.post("/admin/v1/keys", json={"name": name, "provider": "mock", "model": "m"})
        assert resp.status_code == 201, resp.text
        keys[name] = resp.json()
    assert (await admin.delete(f"/admin/v1/keys/{keys['revoked']['id']}")).status_code == 204
    rotated = await admin.post(f"/admin/v1/keys/{keys['rotated']['id']}/rotate", json={"grace_seconds": 0})
    assert rotated.status_code in (200, 201), rotated.text
    new_key = rotated.json()["key"]
    # Once the first, long-running ingress has seen the last change, every change is in the bucket.
    await eventually(lambda: first.keys.by_hash(hash_key(new_key)) is not None)
    await first.close()

    later = await start_ingress(settings)  # returns only once its cache is warm
    app = create_app(settings, later)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingress") as http:
            ready = await http.get("/ready")
        assert ready.status_code == 200
        assert await models_status(app, keys["active"]["key"]) == 200
        assert await models_status(app, keys["revoked"]["key"]) == 401
        assert await models_status(app, keys["rotated"]["key"]) == 401  # no grace: the old key stopped at once
        assert await models_status(app, new_key) == 200
    finally:
        await later.close()
