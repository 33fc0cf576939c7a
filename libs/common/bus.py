"""NATS connection and JetStream set-up shared by the services."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from libs.common import subjects
from libs.common.messages import AuditEvent

if TYPE_CHECKING:
    from faststream.nats import NatsBroker

    from libs.common.settings import Settings

log = logging.getLogger(__name__)


async def connect(url: str, name: str, on_reconnect: list[Callable[[], Awaitable[None]]] | None = None) -> Client:
    """A connection that keeps reconnecting for as long as the process lives; ``on_reconnect`` hooks run after."""
    hooks = on_reconnect if on_reconnect is not None else []

    async def reconnected() -> None:
        log.warning("%s reconnected to NATS", name)
        for hook in hooks:
            await hook()

    return await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        reconnected_cb=reconnected,
    )


async def ensure_audit_stream(js: JetStreamContext) -> None:
    config = StreamConfig(name=subjects.AUDIT_STREAM, subjects=[subjects.AUDIT_SUBJECTS], max_age=7 * 24 * 3600)
    try:
        await js.stream_info(subjects.AUDIT_STREAM)
    except NotFoundError:
        try:
            await js.add_stream(config)
        except Exception:  # another service created it between the two calls
            await js.stream_info(subjects.AUDIT_STREAM)


class AuditPublisher:
    """Publishes audit events to JetStream off the hot path, waiting for the stream's acknowledgement.

    Events are deduplicated by JetStream on their event id (``Nats-Msg-Id``), so a retried publish is stored once.
    """

    def __init__(self, js: JetStreamContext, retries: int = 5) -> None:
        self._js = js
        self._retries = retries
        self._pending: set[asyncio.Task[None]] = set()

    def emit(self, event: AuditEvent, headers: dict[str, str] | None = None) -> None:
        task = asyncio.create_task(self._publish(event, headers or {}))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _publish(self, event: AuditEvent, headers: dict[str, str]) -> None:
        payload = event.model_dump_json().encode()
        headers = {**headers, "Nats-Msg-Id": event.event_id}
        delay = 0.2
        for attempt in range(self._retries + 1):
            try:
                await self._js.publish(subjects.audit_subject(event.kind), payload, headers=headers, timeout=5)
                return
            except Exception as exc:
                if attempt == self._retries:
                    log.error("audit event %s lost after %d tries: %s", event.event_id, attempt + 1, exc)
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5)

    async def flush(self, timeout: float = 10.0) -> None:
        if self._pending:
            await asyncio.wait(set(self._pending), timeout=timeout)


def make_broker(
    settings: Settings, service: str, on_reconnect: list[Callable[[], Awaitable[None]]] | None = None
) -> NatsBroker:
    """A FastStream broker that reconnects forever and continues the trace carried in ``traceparent``."""
    from faststream.nats import NatsBroker
    from faststream.nats.opentelemetry import NatsTelemetryMiddleware

    hooks = on_reconnect if on_reconnect is not None else []

    async def reconnected() -> None:
        log.warning("%s reconnected to NATS", service)
        for hook in hooks:
            await hook()

    return NatsBroker(
        settings.nats_url,
        name=f"gateway-{service}",
        reconnected_cb=reconnected,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        middlewares=[NatsTelemetryMiddleware(include_messages_counters=False)],
        graceful_timeout=15,
        # FastStream logs every message at INFO; that is per-request noise (and time) on the hot path.
        log_level=logging.DEBUG,
    )
