"""Audit: a durable JetStream consumer that writes every event once and acknowledges only after the commit.

Events are pulled in batches and each batch is one multi-row insert in one transaction. A database error leaves
the batch unacknowledged (nack with a delay) so JetStream redelivers it; a duplicate delivery is absorbed by the
unique event id. Nothing is lost across restarts of this service or of NATS.

The pull loop is our own rather than a FastStream subscriber: FastStream 0.7.8's pull consumer lets nats-py's
fetch timeout escape on an idle stream and logs a traceback every few seconds (its supervisor then restarts it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats.errors
from faststream import FastStream
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common import subjects
from libs.common.bus import ensure_audit_stream, make_broker
from libs.common.db import make_engine, make_sessionmaker
from libs.common.db.audit import audit_row_values
from libs.common.db.models import AuditEventRow
from libs.common.messages import AuditEvent
from libs.common.settings import Settings

log = logging.getLogger(__name__)
RETRY_DELAY_S = 2.0
BATCH = 256
# A fetch returns when the batch is full or after this long, so an event is stored within about this delay.
FETCH_WAIT_S = 0.5


async def store(sessions: async_sessionmaker[AsyncSession], events: list[AuditEvent]) -> int:
    """Insert the events not stored yet, in one transaction. Returns how many rows were new."""
    if not events:
        return 0
    async with sessions() as session, session.begin():
        insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
        rows = {e.event_id: audit_row_values(e) for e in events}  # a batch may hold one event twice
        stmt = insert(AuditEventRow).values(list(rows.values()))
        result = await session.execute(stmt.on_conflict_do_nothing(index_elements=[AuditEventRow.event_id]))
        return result.rowcount or 0


async def write_batch(sessions: async_sessionmaker[AsyncSession], msgs: list[Msg]) -> None:
    events = []
    for msg in msgs:
        try:
            events.append(AuditEvent.model_validate_json(msg.data))
        except ValidationError:
            # A malformed event can never be written: terminate it instead of redelivering it forever.
            log.error("dropping a malformed audit event (subject %s)", msg.subject)
            await msg.term()
    try:
        await store(sessions, events)
    except Exception:
        log.exception("%d audit events not stored yet; they will be redelivered", len(events))
        for msg in msgs:
            if not msg._ackd:
                await msg.nak(delay=RETRY_DELAY_S)
        return
    for msg in msgs:
        if not msg._ackd:
            await msg.ack()


class AuditConsumer:
    """The pull loop. Stopped with a flag and an explicit unsubscribe: on Python 3.11 a cancel that lands as
    nats-py's fetch times out can be lost, and a pull subscription left subscribed makes the connection's drain
    wait out its whole timeout (nats-py never marks fetched messages done)."""

    def __init__(self, js: JetStreamContext, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._js = js
        self._sessions = sessions
        self._stop = asyncio.Event()
        self._psub: JetStreamContext.PullSubscription | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._psub = await self._js.pull_subscribe(
            subjects.AUDIT_SUBJECTS,
            durable=subjects.AUDIT_DURABLE,
            stream=subjects.AUDIT_STREAM,
            # Messages handed to a consumer that died unacknowledged come back after ack_wait.
            config=ConsumerConfig(ack_wait=10, max_ack_pending=4 * BATCH),
        )
        self._task = asyncio.create_task(self._run(self._psub), name="audit-consumer")

    async def _run(self, psub: JetStreamContext.PullSubscription) -> None:
        while not self._stop.is_set():
            try:
                msgs = await psub.fetch(BATCH, timeout=FETCH_WAIT_S)
            except (TimeoutError, nats.errors.TimeoutError):
                continue  # nothing to write
            except Exception:  # the consumer must outlive any hiccup; what it has not acked is redelivered
                if self._stop.is_set():
                    break
                log.warning("audit fetch failed; retrying", exc_info=True)
                await asyncio.sleep(0.5)
                continue
            await write_batch(self._sessions, msgs)

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            _, pending = await asyncio.wait([self._task], timeout=4 * FETCH_WAIT_S)
            for task in pending:
                task.cancel()
        if self._psub is not None:
            # Ends only this process's interest: the durable consumer stays on the server and keeps our place.
            with contextlib.suppress(Exception):
                await self._psub.unsubscribe()


def build_app(settings: Settings) -> FastStream:
    broker = make_broker(settings, "audit")
    app = FastStream(broker)
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    consumers: list[AuditConsumer] = []

    @app.after_startup
    async def start() -> None:
        js = broker.connection.jetstream()
        await ensure_audit_stream(js)
        consumer = AuditConsumer(js, sessions)
        await consumer.start()
        consumers.append(consumer)

    @app.on_shutdown
    async def stop() -> None:
        while consumers:
            await consumers.pop().stop()
        await engine.dispose()

    return app
