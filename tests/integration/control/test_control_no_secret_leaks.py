"""No plaintext gateway or provider key in any log line or any response but the one that issues it."""

from __future__ import annotations

import logging

import pytest
from control_helpers import ControlClient

PROVIDER_SECRET = "sk-proj-LEAKCANARY-0123456789abcdef"


async def test_plaintexts_appear_only_in_the_issuing_response(
    admin: ControlClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []

    async def call(method: str, path: str, **kw: object) -> dict:
        resp = await admin.request(method, path, **kw)  # type: ignore[arg-type]
        bodies.append(resp.text)
        return resp.json() if resp.content else {}

    created = await admin.post(
        "/admin/v1/keys",
        json={"name": "leak", "provider": "openai", "model": "gpt-4o", "provider_api_key": PROVIDER_SECRET},
    )
    issued = created.json()
    key_id = issued["id"]
    assert PROVIDER_SECRET not in created.text
    await call("GET", f"/admin/v1/keys/{key_id}")
    await call("GET", "/admin/v1/keys", params={"limit": 500})
    await call("PATCH", f"/admin/v1/keys/{key_id}", json={"provider_api_key": PROVIDER_SECRET + "2", "name": 5})
    await call("PATCH", f"/admin/v1/keys/{key_id}", json={"provider_api_key": {"nested": PROVIDER_SECRET}})
    await call("POST", "/admin/v1/keys", json={"name": "", "provider_api_key": PROVIDER_SECRET})
    rotated = (await admin.post(f"/admin/v1/keys/{key_id}/rotate", json={"grace_seconds": 60})).json()
    await call("GET", f"/admin/v1/keys/{rotated['id']}")
    await call("DELETE", f"/admin/v1/keys/{rotated['id']}")
    await call("GET", "/admin/v1/keys", params={"limit": 500})
    await call("GET", "/admin/v1/keys", headers={"Authorization": f"Bearer {issued['key']}"})

    secrets = [PROVIDER_SECRET, issued["key"], rotated["key"]]
    logs = "\n".join(r.getMessage() + str(r.args) for r in caplog.records)
    for secret in secrets:
        assert secret not in logs
        assert not any(secret in body for body in bodies), secret
    assert any("provider_api_key" in body for body in bodies)  # the validation errors did name the field
