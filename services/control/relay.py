"""The outbox relay: publishes committed key changes to the ``gw_keys`` KV bucket and ``gw.v1.keys.changed``.

Rows go out in id order and are marked sent only after NATS acknowledged them, so a change committed while NATS was
down is delivered once it is back. Publishing twice is harmless: caches keep the highest revision.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from nats.aio.client import Client
from nats.js.kv import KeyValue
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common import bus, subjects
from libs.common.db.models import OutboxRow
from libs.common.keycache import keys_bucket
from libs.common.messages import KeyChanged, KeyRecord
from services.control.repositories import outbox

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        nats_url: str,
        *,
        poll_interval: float = 1.0,
        batch: int = 200,
        publish_timeout: float = 2.0,
    ) -> None:
        self._sessions = sessions
        self._nats_url = nats_url
        self.poll_interval = poll_interval
        self._batch = batch
        self._timeout = publish_timeout
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._nc: Client | None = None
        self._kv: KeyValue | None = None
        self._failing = False
        self._stopping = False
        self.delivered = 0

    def wake(self) -> None:
        self._wake.set()

    @property
    def connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the batch in flight (up to ``grace`` seconds), then close the connection."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            done, _ = await asyncio.wait({self._task}, timeout=grace)
            if not done:
                self._task.cancel()
                await asyncio.wait({self._task}, timeout=grace)
            self._task = None
        if self._nc is not None and not self._nc.is_closed:
            await self._nc.close()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                while await self.relay_once() >= self._batch:
                    pass
                if self._failing:
                    log.info("outbox relay resumed")
                self._failing = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS or the database is away: keep the rows, retry at the next poll
                if not self._failing:
                    log.warning("outbox relay paused: %s", type(exc).__name__)
                self._failing = True
            await self._sleep()

    async def _sleep(self) -> None:
        # asyncio.wait, not wait_for/timeout: on Python 3.11 those can swallow a cancel that races the timeout.
        waiter = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({waiter}, timeout=self.poll_interval)
        finally:
            waiter.cancel()
        self._wake.clear()

    async def relay_once(self) -> int:
        """Publish one batch of pending rows; returns how many went out."""
        # Cleared before reading, so a commit that lands while this batch is out wakes the next round at once.
        self._wake.clear()
        kv = await self._bucket()
        async with self._sessions() as session, session.begin():
            if not await outbox.claim_relay(session):
                return 0
            rows = await outbox.pending(session, self._batch)
            sent: list[int] = []
            error: Exception | None = None
            for row in rows:
                try:
                    await self._publish(kv, row)
                except Exception as exc:  # rows before this one are marked sent, then it is raised
                    error = exc
                    break
                sent.append(row.id)
            await outbox.mark_sent(session, sent)
        self.delivered += len(sent)
        if error is not None:
            raise error
        return len(sent)

    async def _bucket(self) -> KeyValue:
        if self._nc is None or self._nc.is_closed:
            self._nc = await bus.connect(self._nats_url, "gateway-control")
            self._kv = None
        if self._kv is None:
            self._kv = await keys_bucket(self._nc.jetstream(timeout=self._timeout))
        return self._kv

    async def _publish(self, kv: KeyValue, row: OutboxRow) -> None:
        if row.topic != subjects.KEYS_CHANGED:
            log.warning("skipping outbox row %d with unknown topic %s", row.id, row.topic)
            return
        payload: dict[str, Any] = row.payload
        record = KeyRecord.model_validate(payload["record"])
        await kv.put(row.key, record.model_dump_json().encode())
        change = KeyChanged(key_id=record.id, action=payload["action"], revision=record.revision)
        assert self._nc is not None
        await self._nc.publish(subjects.KEYS_CHANGED, change.model_dump_json().encode())
