"""The in-memory key cache every ingress and router keeps, fed by the ``gw_keys`` JetStream KV bucket.

An instance loads the whole bucket before it reports ready and then follows every change, so the hot path never
touches the database and a revocation reaches every instance as fast as NATS delivers it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig
from nats.js.errors import BucketNotFoundError
from nats.js.kv import KV_DEL, KV_PURGE, KeyValue

from libs.common import subjects
from libs.common.messages import KeyRecord

log = logging.getLogger(__name__)


async def keys_bucket(js: JetStreamContext) -> KeyValue:
    try:
        return await js.key_value(subjects.KEYS_BUCKET)
    except BucketNotFoundError:
        return await js.create_key_value(KeyValueConfig(bucket=subjects.KEYS_BUCKET, history=5))


class KeyCache:
    def __init__(self) -> None:
        self._by_hash: dict[str, KeyRecord] = {}
        self._by_id: dict[str, KeyRecord] = {}
        self.ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._js: JetStreamContext | None = None
        self._watcher: KeyValue.KeyWatcher | None = None
        self._listeners: list[Callable[[str, KeyRecord | None], None]] = []

    def __len__(self) -> int:
        return len(self._by_id)

    def by_hash(self, key_hash: str) -> KeyRecord | None:
        return self._by_hash.get(key_hash)

    def by_id(self, key_id: str) -> KeyRecord | None:
        return self._by_id.get(key_id)

    def on_change(self, listener: Callable[[str, KeyRecord | None], None]) -> None:
        self._listeners.append(listener)

    def put(self, record: KeyRecord) -> None:
        old = self._by_id.get(record.id)
        # Never go back in revisions; at an equal revision (two concurrent writes) a revocation wins, so a race
        # can never quietly un-revoke a key.
        if old is not None and (
            old.revision > record.revision or (old.revision == record.revision and old.revoked and not record.revoked)
        ):
            return
        if old is not None and old.key_hash != record.key_hash:
            self._by_hash.pop(old.key_hash, None)
        self._by_id[record.id] = record
        self._by_hash[record.key_hash] = record
        self._notify(record.id, record)

    def remove(self, key_id: str) -> None:
        old = self._by_id.pop(key_id, None)
        if old is not None:
            self._by_hash.pop(old.key_hash, None)
        self._notify(key_id, None)

    def _notify(self, key_id: str, record: KeyRecord | None) -> None:
        for listener in self._listeners:
            listener(key_id, record)

    async def start(self, js: JetStreamContext, timeout: float = 10.0) -> None:
        """Load the bucket, then follow it in the background. Returns once the cache is warm."""
        self._js = js
        await self._watch()
        await asyncio.wait_for(self.ready.wait(), timeout)

    async def resync(self) -> None:
        """Watch afresh after a reconnect: the server may have lost the old watcher's consumer, and waiting for
        missed heartbeats to notice takes many seconds, during which a revocation would not arrive."""
        if self._js is None:
            return
        await self.stop()
        try:
            await self._watch()
        except Exception:  # the connection dropped again; the next reconnect tries again
            log.exception("key cache could not resubscribe")

    async def _watch(self) -> None:
        assert self._js is not None
        kv = await keys_bucket(self._js)
        self._watcher = await kv.watchall()
        self._task = asyncio.create_task(self._follow(self._watcher), name="key-cache")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._watcher is not None:
            watcher, self._watcher = self._watcher, None
            try:
                await watcher.stop()
            except Exception:  # its subscription may be gone with the old connection
                log.debug("stale key watcher could not be stopped cleanly")

    async def _follow(self, watcher: KeyValue.KeyWatcher) -> None:
        try:
            await self._apply_all(watcher)
        except asyncio.CancelledError:
            raise
        except Exception:
            # Not following means a revocation would not arrive: say so (/ready turns 503) and watch afresh.
            log.exception("key cache stopped following %s; resubscribing", subjects.KEYS_BUCKET)
            self.ready.clear()
            self._task = asyncio.create_task(self._rewatch(), name="key-cache-rewatch")

    async def _rewatch(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                await self._watch()
                return
            except Exception:
                log.warning("key cache still cannot watch %s", subjects.KEYS_BUCKET)

    async def _apply_all(self, watcher: KeyValue.KeyWatcher) -> None:
        async for entry in watcher:
            if entry is None:  # end of the initial load
                self.ready.set()
                log.info("key cache warm with %d keys", len(self))
                continue
            try:
                if entry.operation in (KV_DEL, KV_PURGE) or not entry.value:
                    self.remove(entry.key)
                else:
                    self.put(KeyRecord.model_validate_json(entry.value))
            except Exception:  # one bad record must not stop the cache from following the rest
                log.exception("ignoring an unreadable key record for %s", entry.key)
