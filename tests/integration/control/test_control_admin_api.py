"""Tenants, key profiles, admin tokens and admin authentication, against real Postgres and NATS."""

from __future__ import annotations

import uuid
from pathlib import Path

from control_helpers import ADMIN_TOKEN, ControlClient, control_settings, eventually, open_client

from libs.common.keycache import KeyCache


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def test_every_admin_route_needs_a_valid_token(admin: ControlClient) -> None:
    paths = (await admin.get("/openapi.json")).json()["paths"]
    routes = [(m.upper(), p) for p, ops in paths.items() if p.startswith("/admin/v1") for m in ops]
    assert len(routes) >= 15
    for method, template in routes:
        path = template.replace("{key_id}", "x").replace("{name}", "x").replace("{ref}", "x")
        path = path.replace("{token_id}", "x")
        for headers in ({"Authorization": ""}, {"Authorization": "Bearer wrong-token"}):
            resp = await admin.request(method, path, headers=headers, json={})
            assert resp.status_code == 401, (method, path, resp.text)
            assert resp.json()["error"]["type"] == "authentication_error"


async def test_without_any_admin_token_the_api_is_locked(database_url: str, nats_url: str, tmp_path: Path) -> None:
    settings = control_settings(database_url, nats_url, tmp_path, admin_token=None)
    async with open_client(settings, token=None) as client:
        resp = await client.get("/admin/v1/keys")
        assert resp.status_code == 401
        assert "GW_ADMIN_TOKEN" in resp.json()["error"]["message"]
        health = await client.get("/health")
        assert health.status_code == 200


async def test_stored_admin_tokens_work_until_revoked(admin: ControlClient) -> None:
    created = (await admin.post("/admin/v1/tokens", json={"name": "ci"})).json()
    token = created["token"]
    listing = (await admin.get("/admin/v1/tokens")).text
    assert token not in listing and created["prefix"] in listing
    other = {"Authorization": f"Bearer {token}"}
    assert (await admin.get("/admin/v1/tenants", headers=other)).status_code == 200
    assert (await admin.delete(f"/admin/v1/tokens/{created['id']}")).status_code == 204
    assert (await admin.get("/admin/v1/tenants", headers=other)).status_code == 401
    assert (await admin.delete("/admin/v1/tokens/nope")).status_code == 404


async def test_tenant_crud_and_delete_conflict(admin: ControlClient, nats_url: str) -> None:
    name = _name("acme")
    assert (await admin.post("/admin/v1/tenants", json={"name": name})).status_code == 201
    assert (await admin.post("/admin/v1/tenants", json={"name": name})).status_code == 409
    assert (await admin.post("/admin/v1/tenants", json={"name": "bad name!"})).status_code == 422
    assert name in [t["name"] for t in (await admin.get("/admin/v1/tenants")).json()["data"]]
    key = (
        await admin.post("/admin/v1/keys", json={"name": "a", "tenant": name, "provider": "mock", "model": "m"})
    ).json()
    got = (await admin.get(f"/admin/v1/tenants/{name}")).json()
    assert got["active_keys"] == 1
    conflict = await admin.delete(f"/admin/v1/tenants/{name}")
    assert conflict.status_code == 409 and "force" in conflict.json()["error"]["message"]

    import nats

    nc = await nats.connect(nats_url)
    cache = KeyCache()
    try:
        await cache.start(nc.jetstream())
        await eventually(lambda: cache.by_id(key["id"]) is not None)
        assert (await admin.delete(f"/admin/v1/tenants/{name}", params={"force": "true"})).status_code == 204
        await eventually(lambda: not cache.by_id(key["id"]).is_active())  # type: ignore[union-attr]
    finally:
        await cache.stop()
        await nc.drain()
    assert (await admin.get(f"/admin/v1/tenants/{name}")).status_code == 404
    assert (await admin.get(f"/admin/v1/keys/{key['id']}")).status_code == 404
    assert (await admin.delete(f"/admin/v1/tenants/{name}")).status_code == 404


async def test_profile_crud_and_republish_on_change(admin: ControlClient, nats_url: str) -> None:
    name = _name("strict")
    body = {"name": name, "actions": {"pii": "redact", "secret": "block"}, "risk_threshold": 3, "rpm_limit": 60}
    created = await admin.post("/admin/v1/profiles", json=body | {"allowed_models": ["gpt-4o"]})
    assert created.status_code == 201, created.text
    assert (await admin.post("/admin/v1/profiles", json={"name": name})).status_code == 409
    bad = await admin.post("/admin/v1/profiles", json={"name": _name("x"), "actions": {"pii": "explode"}})
    assert bad.status_code == 422
    key = (
        await admin.post("/admin/v1/keys", json={"name": "a", "provider": "mock", "model": "m", "profile": name})
    ).json()
    assert key["profile_name"] == name and key["profile"]["rpm_limit"] == 60
    assert key["allowed_models"] == ["gpt-4o"]

    import nats

    nc = await nats.connect(nats_url)
    cache = KeyCache()
    try:
        await cache.start(nc.jetstream())
        await eventually(lambda: cache.by_id(key["id"]) is not None)
        patched = await admin.patch(f"/admin/v1/profiles/{name}", json={"rpm_limit": 5, "actions": {"pii": "log"}})
        assert patched.status_code == 200 and patched.json()["keys"] == 1
        await eventually(lambda: cache.by_id(key["id"]).profile.rpm_limit == 5)  # type: ignore[union-attr]
        assert cache.by_id(key["id"]).profile.action("pii") == "log"  # type: ignore[union-attr]
    finally:
        await cache.stop()
        await nc.drain()
    listed = (await admin.get("/admin/v1/profiles")).json()["data"]
    assert any(p["name"] == name and p["keys"] == 1 for p in listed)
    assert (await admin.get(f"/admin/v1/profiles/{created.json()['id']}")).json()["name"] == name
    assert (await admin.delete(f"/admin/v1/profiles/{name}")).status_code == 409
    await admin.delete(f"/admin/v1/keys/{key['id']}")
    assert (await admin.delete(f"/admin/v1/profiles/{name}")).status_code == 204
    assert (await admin.get(f"/admin/v1/profiles/{name}")).status_code == 404


async def test_unknown_routes_and_methods_answer_in_the_openai_shape(admin: ControlClient) -> None:
    resp = await admin.get("/admin/v1/nothing-here")
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    resp = await admin.put("/admin/v1/keys")
    assert resp.status_code == 405 and "error" in resp.json()


async def test_openapi_docs_are_served(admin: ControlClient) -> None:
    assert (await admin.get("/docs")).status_code == 200
    spec = (await admin.get("/openapi.json")).json()
    assert "/admin/v1/keys/{key_id}/rotate" in spec["paths"]
    assert ADMIN_TOKEN not in str(spec)
