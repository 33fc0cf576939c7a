"""The request path as ingress sees it: publish to the guard, then relay what comes back on the inbox."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from nats.aio.client import Client

from libs.common import subjects, telemetry
from libs.common.errors import GatewayError, InvalidRequest, PayloadTooLarge, RequestBlocked, error_for_status
from libs.common.messages import (
    Accepted,
    Blocked,
    Completed,
    ErrorInfo,
    Failed,
    InboxMessage,
    KeyRecord,
    ScreenChat,
    StreamChunk,
    StreamEnd,
)
from libs.common.settings import Settings
from services.ingress.inbox import InboxMux, Waiter

log = logging.getLogger(__name__)
# Time for a router to take a request once the guard forwarded it.
ACCEPT_GRACE_S = 2.0


def blocked_error(reply: Blocked) -> RequestBlocked:
    a = reply.assessment
    if reply.stage == "response":
        err = RequestBlocked(
            f"The provider's answer was withheld by the gateway: {a.reason or a.violated_rule}.",
            code="response_blocked",
        )
    else:
        err = RequestBlocked(f"Request blocked by the gateway: {a.reason or a.violated_rule}.")
    err.extra = {"assessment": a.model_dump(mode="json")}
    return err


def failed_error(info: ErrorInfo) -> GatewayError:
    return error_for_status(info.status, info.message, info.code)


def reply_error(reply: InboxMessage) -> GatewayError:
    if isinstance(reply, Blocked):
        return blocked_error(reply)
    if isinstance(reply, Failed):
        return failed_error(reply.error)
    return error_for_status(502, f"The gateway received an out-of-order reply ({reply.kind}).", "bad_reply")


class ChatRelay:
    def __init__(self, nc: Client, mux: InboxMux, settings: Settings) -> None:
        self._nc = nc
        self._mux = mux
        self._settings = settings

    async def submit(
        self, request_id: str, record: KeyRecord, model: str, body: dict[str, Any], stream: bool
    ) -> Waiter:
        """Publish the request for screening; return once a router has accepted it (or raise why not)."""
        screen = ScreenChat(
            request_id=request_id, key_id=record.id, tenant=record.tenant, model=model,
            body={**body, "model": model, "stream": stream}, stream=stream, profile=record.profile,
        )
        try:
            payload = screen.model_dump_json().encode()
        except ValueError:  # e.g. nesting too deep to serialise
            raise InvalidRequest("The request body is nested too deeply.") from None
        # The bus refuses messages over its max_payload (1 MiB on a default NATS server): say so, as a 413.
        if len(payload) > self._nc.max_payload - 4096:
            raise PayloadTooLarge(
                f"The request is too large for this gateway's message bus ({self._nc.max_payload} bytes)."
            )
        waiter = self._mux.open(request_id)
        try:
            headers = telemetry.inject({subjects.REQUEST_ID_HEADER: request_id})
            await self._nc.publish(subjects.SCREEN_CHAT, payload, reply=waiter.subject, headers=headers)
            first = await waiter.next(self._settings.screen_timeout + ACCEPT_GRACE_S, "screening and routing")
            if not isinstance(first, Accepted):
                raise reply_error(first)
            return waiter
        except BaseException:
            waiter.close()
            raise

    async def complete(self, waiter: Waiter) -> dict[str, Any]:
        try:
            reply = await waiter.next(self._settings.request_timeout, "the provider")
        finally:
            waiter.close()
        if isinstance(reply, Completed):
            return reply.response
        raise reply_error(reply)

    async def first_chunk(self, waiter: Waiter) -> StreamChunk | StreamEnd:
        """The first chunk, so that an error before any token is still a plain HTTP error, not an SSE event."""
        try:
            reply = await waiter.next(self._settings.request_timeout, "the provider's first token")
        except BaseException:
            waiter.close()
            raise
        if isinstance(reply, StreamChunk) or (isinstance(reply, StreamEnd) and reply.error is None):
            return reply
        waiter.close()
        if isinstance(reply, StreamEnd):
            raise failed_error(reply.error)  # type: ignore[arg-type]
        raise reply_error(reply)

    async def sse(self, waiter: Waiter, first: StreamChunk | StreamEnd) -> AsyncIterator[bytes]:
        """Server-sent events for a stream; a client that goes away cancels the upstream call."""
        finished = False
        try:
            reply: InboxMessage = first
            while True:
                if isinstance(reply, StreamChunk):
                    yield b"data: " + json.dumps(reply.chunk, separators=(",", ":")).encode() + b"\n\n"
                elif isinstance(reply, StreamEnd):
                    if reply.error is not None:
                        body = failed_error(reply.error).body()
                        yield b"data: " + json.dumps(body).encode() + b"\n\n"
                    finished = True
                    break
                else:
                    yield b"data: " + json.dumps(reply_error(reply).body()).encode() + b"\n\n"
                    finished = True
                    break
                try:
                    reply = await waiter.next(self._settings.stream_idle_timeout, "the next token")
                except GatewayError as exc:
                    yield b"data: " + json.dumps(exc.body()).encode() + b"\n\n"
                    break
            yield b"data: [DONE]\n\n"
        finally:
            waiter.close()
            if not finished:
                await self.cancel(waiter.request_id)

    async def cancel(self, request_id: str) -> None:
        try:
            await self._nc.publish(subjects.cancel_subject(request_id), b"")
        except Exception:  # the connection may be closing; the router's idle timeout still ends the call
            log.debug("could not publish cancel for %s", request_id)
