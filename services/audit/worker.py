"""Audit: a durable JetStream consumer that writes every event once and acknowledges only after the commit.

A database error leaves the message unacknowledged (nack with a delay), so JetStream redelivers it; a duplicate
delivery is absorbed by the unique event id. Nothing is lost across restarts of this service or of NATS.
"""

from __future__ import annotations

import logging
from typing import Any

from faststream import FastStream
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsMessage, PullSub
from nats.js.api import ConsumerConfig
from pydantic import ValidationError

from libs.common import subjects
from libs.common.bus import ensure_audit_stream, make_broker
from libs.common.db import make_engine, make_sessionmaker
from libs.common.db.audit import record_audit_event
from libs.common.messages import AuditEvent
from libs.common.settings import Settings

log = logging.getLogger(__name__)
RETRY_DELAY_S = 2.0


def build_app(settings: Settings) -> FastStream:
    broker = make_broker(settings, "audit")
    app = FastStream(broker)
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)

    @broker.subscriber(
        subjects.AUDIT_SUBJECTS,
        stream=JStream(subjects.AUDIT_STREAM, declare=False),
        durable=subjects.AUDIT_DURABLE,
        pull_sub=PullSub(batch_size=64, timeout=5.0),
        config=ConsumerConfig(ack_wait=30, max_ack_pending=1024),
        ack_policy=AckPolicy.MANUAL,
    )
    async def write_event(body: Any, msg: NatsMessage) -> None:
        try:
            event = AuditEvent.model_validate(body)
        except ValidationError:
            # A malformed event can never be written: terminate it instead of redelivering forever.
            log.error("dropping a malformed audit event (subject %s)", msg.raw_message.subject)
            await msg.reject()
            return
        try:
            await record_audit_event(sessions, event)
        except Exception:
            log.exception("audit event %s not stored yet; it will be redelivered", event.event_id)
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
