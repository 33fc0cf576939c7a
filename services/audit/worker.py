"""Audit: a durable JetStream consumer that writes every event once and acknowledges only after the commit.

Events are fetched in batches and each batch is one multi-row insert in one transaction. A database error leaves
the batch unacknowledged (nack with a delay) so JetStream redelivers it; a duplicate delivery is absorbed by the
unique event id. Nothing is lost across restarts of this service or of NATS.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from faststream import Context, FastStream
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, PullSub
from faststream.nats.message import NatsBatchMessage
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


def build_app(settings: Settings) -> FastStream:
    broker = make_broker(settings, "audit")
    app = FastStream(broker)
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)

    @broker.subscriber(
        subjects.AUDIT_SUBJECTS,
        stream=JStream(subjects.AUDIT_STREAM, declare=False),
        durable=subjects.AUDIT_DURABLE,
        pull_sub=PullSub(batch_size=BATCH, timeout=0.5, batch=True),  # a fetch returns a batch when full or after 0.5 s
        # Messages handed to a consumer that died unacknowledged come back after ack_wait.
        config=ConsumerConfig(ack_wait=10, max_ack_pending=4 * BATCH),
        ack_policy=AckPolicy.MANUAL,
    )
    async def write_events(_: list[Any], msg: Annotated[NatsBatchMessage, Context("message")]) -> None:
        events = []
        for raw in msg.raw_message:
            try:
                events.append(AuditEvent.model_validate_json(raw.data))
            except ValidationError:
                # A malformed event can never be written: terminate it instead of redelivering it forever.
                log.error("dropping a malformed audit event (subject %s)", raw.subject)
                await raw.term()
        try:
            await store(sessions, events)
        except Exception:
            log.exception("%d audit events not stored yet; they will be redelivered", len(events))
            await msg.nack(delay=RETRY_DELAY_S)
            return
        await msg.ack()

    @app.on_startup
    async def start() -> None:
        nc = await broker.connect()
        await ensure_audit_stream(nc.jetstream())

    @app.on_shutdown
    async def stop() -> None:
        await engine.dispose()

    return app
