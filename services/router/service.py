"""Router: take a screened request, call the provider through LiteLLM, answer on the ingress inbox."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any

from nats.aio.client import Client

from libs.common import subjects
from libs.common.bus import AuditPublisher
from libs.common.errors import AuthenticationFailed, GatewayError, ServiceUnavailable, UpstreamError
from libs.common.keycache import KeyCache
from libs.common.keys import KeyRing
from libs.common.messages import (
    Accepted,
    AuditEvent,
    Blocked,
    Completed,
    ErrorInfo,
    Failed,
    KeyRecord,
    Message,
    ResponseVerdict,
    RouteChat,
    ScreenResponse,
    SecurityAssessment,
    StreamChunk,
    StreamEnd,
    Usage,
)
from libs.common.settings import Settings
from services.router import upstream
from services.router.answers import answer_texts, redacted_stream, stream_texts, with_texts
from services.router.models import provider_error

log = logging.getLogger(__name__)


def error_info(err: GatewayError) -> ErrorInfo:
    return ErrorInfo(status=err.status, message=err.message, type=err.type, code=err.code)


def usage_of(response: Mapping[str, Any]) -> Usage:
    u = response.get("usage") or {}
    return Usage(
        prompt_tokens=u.get("prompt_tokens", 0) or 0,
        completion_tokens=u.get("completion_tokens", 0) or 0,
        total_tokens=u.get("total_tokens", 0) or 0,
    )


class Router:
    def __init__(
        self, nc: Client, keys: KeyCache, keyring: KeyRing, audit: AuditPublisher | None, settings: Settings
    ) -> None:
        self._nc = nc
        self._keys = keys
        self._keyring = keyring
        self._audit = audit
        self._settings = settings

    async def close(self) -> None:
        if self._audit is not None:
            await self._audit.flush()

    async def _reply(self, inbox: str, message: Message, headers: dict[str, str] | None = None) -> None:
        await self._nc.publish(inbox, message.model_dump_json().encode(), headers=headers)

    def _record(self, key_id: str) -> KeyRecord:
        record = self._keys.by_id(key_id)
        if record is None or not record.is_active():
            raise AuthenticationFailed("The gateway key was revoked or has expired.")
        return record

    async def handle(self, req: RouteChat, inbox: str, headers: Mapping[str, str] | None = None) -> None:
        started = time.perf_counter()
        await self._reply(inbox, Accepted(request_id=req.request_id))
        provider_key: str | None = None
        status, usage, detail, decision, assessment = 200, None, None, "allowed", None
        try:
            record = self._record(req.key_id)
            if record.provider_key_ciphertext:
                provider_key = self._keyring.open(record.provider_key_ciphertext)
            kwargs = upstream.call_kwargs(
                record, req.model, req.body, provider_key,
                timeout=self._settings.request_timeout, retries=self._settings.upstream_retries,
            )
            if req.stream:
                usage, decision, assessment = await self._stream(req, inbox, kwargs, provider_key, record)
                if decision == "blocked":
                    status, detail = 400, "response_blocked"
            else:
                response = await self._call(kwargs, provider_key)
                usage = usage_of(response)
                screened, decision, assessment = await self._screen_answer(req, record, response)
                if screened is None:
                    status, detail = 400, "response_blocked"
                    withheld = Blocked(request_id=req.request_id, assessment=assessment, stage="response")
                    await self._reply(inbox, withheld)
                else:
                    await self._reply(inbox, Completed(request_id=req.request_id, response=screened))
        except Exception as exc:
            # Anything else (a KEK that cannot open the provider key, a malformed answer) still answers the
            # client at once and is audited, instead of leaving ingress to time out.
            err = exc if isinstance(exc, GatewayError) else UpstreamError(
                "The gateway could not complete the request.", code="router_error"
            )
            if not isinstance(exc, GatewayError):
                log.error("request %s failed in the router: %s", req.request_id, type(exc).__name__)
            status, detail = err.status, err.code
            reply = (
                StreamEnd(request_id=req.request_id, seq=0, error=error_info(err))
                if req.stream else Failed(request_id=req.request_id, error=error_info(err))
            )
            await self._reply(inbox, reply)
        if self._audit is not None:
            self._audit.emit(
                AuditEvent(
                    request_id=req.request_id, service="router", kind="completed" if status == 200 else "failed",
                    key_id=req.key_id, tenant=req.tenant, model=req.model, status=status,
                    decision=decision, assessment=assessment, usage=usage,
                    latency_ms=(time.perf_counter() - started) * 1000, detail=detail,
                ),
                headers=dict(headers or {}),
            )

    @staticmethod
    def _screens_answers(record: KeyRecord) -> bool:
        return any(record.profile.action(c) != "off" for c in ("pii", "secret"))

    async def _screen_answer(
        self, req: RouteChat, record: KeyRecord, response: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, str, SecurityAssessment | None]:
        """(answer to return or None if withheld, audit decision, assessment)."""
        located = answer_texts(response)
        texts, decision, assessment = await self._screen_texts(req, record, [t for _, t in located])
        if texts is None:
            return None, decision, assessment
        return with_texts(response, located, texts), decision, assessment

    async def _screen_texts(
        self, req: RouteChat, record: KeyRecord, texts: list[str]
    ) -> tuple[list[str] | None, str, SecurityAssessment | None]:
        """(texts to return, redacted where asked, or None if withheld; audit decision; assessment). Fails closed:
        an answer that cannot be screened is withheld unless the key's profile is fail-open."""
        if not texts or not self._screens_answers(record):
            return texts, "allowed", None
        screen = ScreenResponse(request_id=req.request_id, key_id=req.key_id, texts=texts, profile=record.profile)
        try:
            msg = await self._nc.request(
                subjects.SCREEN_RESPONSE, screen.model_dump_json().encode(), timeout=self._settings.screen_timeout
            )
            verdict = ResponseVerdict.model_validate_json(msg.data)
        except Exception as exc:
            if record.profile.fail_open:
                return texts, "logged", None
            log.error("answer to %s not screened (%s); withheld", req.request_id, type(exc).__name__)
            raise ServiceUnavailable(
                "The provider's answer could not be screened, so it was withheld.", code="screening_failed"
            ) from None
        if not verdict.forward:
            return None, "blocked", verdict.assessment
        screened = verdict.texts or texts
        return screened, ("redacted" if screened != texts else "allowed"), verdict.assessment

    async def _call(self, kwargs: dict[str, Any], provider_key: str | None) -> dict[str, Any]:
        try:
            return await upstream.complete(kwargs)
        except Exception as exc:
            raise provider_error(exc, provider_key) from None

    async def _stream(
        self, req: RouteChat, inbox: str, kwargs: dict[str, Any], provider_key: str | None, record: KeyRecord
    ) -> tuple[Usage | None, str, SecurityAssessment | None]:
        """Relay chunks in order on one connection; a cancel from ingress stops the upstream call.

        When the key's profile screens answers, the stream is held back until it is complete and screened (the
        client then gets it all at once, redacted if need be, or a 400): a leak cannot be unsent."""
        task = asyncio.current_task()
        assert task is not None

        async def on_cancel(_: Any) -> None:
            task.cancel()

        cancel_sub = await self._nc.subscribe(subjects.cancel_subject(req.request_id), cb=on_cancel)
        screen = self._screens_answers(record)
        seq, usage, held = 0, None, []
        decision, assessment = "allowed", None
        try:
            async for chunk in upstream.stream(kwargs):
                if chunk.get("usage"):
                    usage = usage_of(chunk)
                if screen:
                    held.append(chunk)
                    continue
                await self._reply(inbox, StreamChunk(request_id=req.request_id, seq=seq, chunk=chunk))
                seq += 1
            if screen:
                located = stream_texts(held)
                original = [t for _, t in located]
                texts, decision, assessment = await self._screen_texts(req, record, original)
                if texts is None:
                    withheld = Blocked(request_id=req.request_id, assessment=assessment, stage="response")
                    await self._reply(inbox, withheld)
                    return usage, decision, assessment
                replay = held if texts == original else redacted_stream(held, located, texts)
                if replay is None:  # a leak inside streamed tool-call arguments: withhold rather than re-chunk
                    assert assessment is not None  # texts changed, so the guard said why
                    withheld = Blocked(request_id=req.request_id, assessment=assessment, stage="response")
                    await self._reply(inbox, withheld)
                    return usage, "blocked", assessment
                for chunk in replay:
                    await self._reply(inbox, StreamChunk(request_id=req.request_id, seq=seq, chunk=chunk))
                    seq += 1
            await self._reply(inbox, StreamEnd(request_id=req.request_id, seq=seq))
        except asyncio.CancelledError:
            log.info("stream %s cancelled by the client", req.request_id)
            raise
        except GatewayError as err:  # the answer could not be screened
            await self._reply(inbox, StreamEnd(request_id=req.request_id, seq=seq, error=error_info(err)))
        except Exception as exc:
            err = provider_error(exc, provider_key)
            await self._reply(inbox, StreamEnd(request_id=req.request_id, seq=seq, error=error_info(err)))
        finally:
            await cancel_sub.unsubscribe()
        return usage, decision, assessment
