"""Key changes reach the gw_keys bucket and every KeyCache through the outbox, across a NATS outage too."""

from __future__ import annotations

import nats
from control_helpers import ControlClient, control_settings, eventually, open_client

from libs.common import subjects
from libs.common.embedded_nats import EmbeddedNats
from libs.common.keycache import KeyCache, keys_bucket
from libs.common.keys import hash_key
from libs.common.messages import KeyChanged, KeyRecord

MOCK_KEY = {"name": "app", "provider": "mock", "model": "gpt-4o-mini"}


async def test_a_key_cache_on_another_connection_sees_create_then_revoke(admin: ControlClient, nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    cache = KeyCache()
    changes: list[KeyChanged] = []

    async def on_change(msg: nats.aio.msg.Msg) -> None:
        changes.append(KeyChanged.model_validate_json(msg.data))

    await nc.subscribe(subjects.KEYS_CHANGED, cb=on_change)
    try:
        await cache.start(nc.jetstream())
        created = (await admin.post("/admin/v1/keys", json=MOCK_KEY)).json()
        key_hash = hash_key(created["key"])
        await eventually(lambda: cache.by_hash(key_hash) is not None)
        record = cache.by_hash(key_hash)
        assert record is not None and record.is_active() and record.id == created["id"]
        assert record.provider_key_ciphertext is None and record.tenant == "default"

        assert (await admin.delete(f"/admin/v1/keys/{created['id']}")).status_code == 204
        await eventually(lambda: not cache.by_hash(key_hash).is_active())  # type: ignore[union-attr]
        assert cache.by_id(created["id"]).revoked  # type: ignore[union-attr]
        await eventually(lambda: any(c.key_id == created["id"] and c.action == "revoked" for c in changes))
    finally:
        await cache.stop()
        await nc.drain()


async def test_the_bucket_holds_the_sealed_provider_key_never_the_plaintext(
    admin: ControlClient, nats_url: str
) -> None:
    body = MOCK_KEY | {"provider": "openai", "provider_api_key": "sk-live-abcdefghijklmnop"}
    created = (await admin.post("/admin/v1/keys", json=body)).json()
    nc = await nats.connect(nats_url)
    try:
        kv = await keys_bucket(nc.jetstream())

        async def stored() -> KeyRecord:
            return KeyRecord.model_validate_json((await kv.get(created["id"])).value)

        await eventually(lambda: admin.ctl.relay.delivered > 0)
        record = await stored()
        assert record.provider_key_ciphertext and "sk-live" not in record.model_dump_json()
        assert admin.ctl.keyring.open(record.provider_key_ciphertext) == "sk-live-abcdefghijklmnop"
    finally:
        await nc.drain()


async def test_changes_made_while_nats_is_down_are_delivered_when_it_returns(
    database_url: str, nats_server: EmbeddedNats, tmp_path
) -> None:
    settings = control_settings(database_url, nats_server.url, tmp_path)
    async with open_client(settings) as admin:
        await eventually(lambda: admin.ctl.relay.connected, timeout=10)
        nats_server.stop()
        await eventually(lambda: not admin.ctl.relay.connected, timeout=10)
        created = (await admin.post("/admin/v1/keys", json=MOCK_KEY | {"tenant": "outage"})).json()
        assert (await admin.delete(f"/admin/v1/keys/{created['id']}")).status_code == 204

        nats_server.start()
        nc = await nats.connect(nats_server.url)
        cache = KeyCache()
        try:
            await cache.start(nc.jetstream())
            await eventually(lambda: cache.by_id(created["id"]) is not None, timeout=15)
            await eventually(lambda: cache.by_id(created["id"]).revoked, timeout=15)  # type: ignore[union-attr]
            assert not cache.by_hash(hash_key(created["key"])).is_active()  # type: ignore[union-attr]
        finally:
            await cache.stop()
            await nc.drain()
