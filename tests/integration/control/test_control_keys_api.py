"""The keys routes of the admin API, against real Postgres and NATS."""

from __future__ import annotations

import uuid

from control_helpers import ControlClient

from libs.common.keys import hash_key


def _tenant() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


async def _create(admin: ControlClient, **body: object) -> dict:
    payload = {"name": "app", "provider": "mock", "model": "gpt-4o-mini", "tenant": _tenant()} | body
    resp = await admin.post("/admin/v1/keys", json=payload)
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_create_returns_the_plaintext_once_and_stores_only_its_hash(admin: ControlClient) -> None:
    created = await _create(admin, provider="openai", provider_api_key="sk-test-provider-secret-1234")
    assert created["key"].startswith("gw-") and len(created["key"]) > 40
    assert created["prefix"] == f"{created['key'][:7]}...{created['key'][-4:]}"
    assert created["has_provider_key"] is True and created["active"] is True
    fetched = (await admin.get(f"/admin/v1/keys/{created['id']}")).json()
    assert "key" not in fetched and fetched["prefix"] == created["prefix"]
    text = (await admin.get(f"/admin/v1/keys/{created['id']}")).text
    assert created["key"] not in text and hash_key(created["key"]) not in text and "sk-test-provider" not in text


async def test_non_mock_provider_needs_a_provider_key(admin: ControlClient) -> None:
    resp = await admin.post("/admin/v1/keys", json={"name": "a", "provider": "openai", "model": "gpt-4o"})
    assert resp.status_code == 422
    assert resp.json()["error"]["param"] == "provider_api_key"


async def test_validation_errors_use_the_openai_error_body(admin: ControlClient) -> None:
    resp = await admin.post("/admin/v1/keys", json={"name": "", "provider": "mock"})
    assert resp.status_code == 422
    error = resp.json()["error"]
    assert error["type"] == "invalid_request_error" and "model" in error["message"]


async def test_unknown_key_is_404(admin: ControlClient) -> None:
    for resp in (
        await admin.get("/admin/v1/keys/nope"),
        await admin.delete("/admin/v1/keys/nope"),
        await admin.post("/admin/v1/keys/nope/rotate", json={}),
        await admin.patch("/admin/v1/keys/nope", json={"name": "x"}),
    ):
        assert resp.status_code == 404
        assert resp.json()["error"]["code"] == "key_not_found"


async def test_revoke_is_204_and_idempotent(admin: ControlClient) -> None:
    created = await _create(admin)
    assert (await admin.delete(f"/admin/v1/keys/{created['id']}")).status_code == 204
    assert (await admin.delete(f"/admin/v1/keys/{created['id']}")).status_code == 204
    fetched = (await admin.get(f"/admin/v1/keys/{created['id']}")).json()
    assert fetched["revoked"] is True and fetched["active"] is False and fetched["revision"] == 2


async def test_list_is_masked_filtered_and_paginated(admin: ControlClient) -> None:
    tenant = _tenant()
    made = [await _create(admin, tenant=tenant, name=f"k{i}") for i in range(5)]
    await admin.delete(f"/admin/v1/keys/{made[0]['id']}")
    seen, cursor = [], None
    while True:
        params = {"tenant": tenant, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await admin.get("/admin/v1/keys", params=params)).json()
        seen += page["data"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert [k["id"] for k in seen] == [k["id"] for k in made]
    body = str(seen)
    assert all(k["key"] not in body and hash_key(k["key"]) not in body for k in made)
    active = (await admin.get("/admin/v1/keys", params={"tenant": tenant, "revoked": "false"})).json()["data"]
    assert len(active) == 4
    by_offset = (await admin.get("/admin/v1/keys", params={"tenant": tenant, "offset": 3})).json()["data"]
    assert [k["id"] for k in by_offset] == [made[3]["id"], made[4]["id"]]
    bad = await admin.get("/admin/v1/keys", params={"cursor": "!!notacursor"})
    assert bad.status_code == 422


async def test_rotation_issues_a_new_key_and_keeps_the_old_for_the_grace_period(admin: ControlClient) -> None:
    old = await _create(admin)
    rotated = (await admin.post(f"/admin/v1/keys/{old['id']}/rotate", json={"grace_seconds": 600})).json()
    assert rotated["id"] != old["id"] and rotated["key"] != old["key"] and rotated["active"]
    previous = rotated["previous"]
    assert previous["id"] == old["id"] and previous["active"] and previous["grace_until"]
    assert previous["rotated_to"] == rotated["id"]
    again = await admin.post(f"/admin/v1/keys/{old['id']}/rotate", json={})
    assert again.status_code == 409
    now = (await admin.post(f"/admin/v1/keys/{rotated['id']}/rotate", json={"grace_seconds": 0})).json()
    assert now["previous"]["active"] is False and now["previous"]["revoked"] is True


async def test_patch_changes_profile_and_bumps_the_revision(admin: ControlClient) -> None:
    created = await _create(admin)
    inline = {"actions": {"pii": "redact"}, "risk_threshold": 7, "rpm_limit": 30}
    resp = await admin.patch(f"/admin/v1/keys/{created['id']}", json={"profile": inline})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["profile"]["actions"] == {"pii": "redact"} and body["profile"]["rpm_limit"] == 30
    assert body["revision"] == created["revision"] + 1
    unknown = await admin.patch(f"/admin/v1/keys/{created['id']}", json={"profile": "no-such-profile"})
    assert unknown.status_code == 422
    await admin.delete(f"/admin/v1/keys/{created['id']}")
    assert (await admin.patch(f"/admin/v1/keys/{created['id']}", json={"name": "x"})).status_code == 409
