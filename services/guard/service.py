"""Guard: screen a chat request, then forward it to the router or answer Blocked on the ingress inbox.

Fail closed: a request whose screening errors or runs out of time is answered 503 and never forwarded, unless
the key's profile explicitly says fail-open.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from typing import Any, Protocol

from nats.aio.client import Client

from libs.common import subjects, telemetry
from libs.common.bus import AuditPublisher
from libs.common.messages import (
    AuditEvent,
    Blocked,
    ErrorInfo,
    Failed,
    KeyProfile,
    Message,
    ResponseVerdict,
    RouteChat,
    ScanText,
    ScreenChat,
    ScreenResponse,
    SecurityAssessment,
)
from services.guard.engine.chat import UnscreenableRequest

log = logging.getLogger(__name__)


class Pipeline(Protocol):
    async def screen_chat(self, body: dict[str, Any], profile: KeyProfile, scope: str = "") -> Any: ...
    async def screen_text(self, text: str, profile: KeyProfile, scope: str = "") -> Any: ...
    async def screen_response(self, text: str, profile: KeyProfile, scope: str = "") -> Any: ...


UNSCREENED = SecurityAssessment(is_safe=True, reason="not screened: screening failed and the profile is fail-open")
SCREENING_OFF = SecurityAssessment(is_safe=True, reason="not screened: every category is off for this key")


def refused(request_id: str, exc: UnscreenableRequest) -> Failed:
    """Bad input, not a screening failure: a 4xx, never forwarded (fail_open or not)."""
    return Failed(request_id=request_id, error=ErrorInfo(
        status=exc.status, message=f"Invalid request: {exc}.", type="invalid_request_error",
        code="request_too_large" if exc.status == 413 else "invalid_request",
    ))


class Guard:
    def __init__(self, nc: Client, pipeline: Pipeline, audit: AuditPublisher | None, timeout: float) -> None:
        self._nc = nc
        self._pipeline = pipeline
        self._audit = audit
        self._timeout = timeout

    async def _reply(self, inbox: str, message: Message) -> None:
        await self._nc.publish(inbox, message.model_dump_json().encode())

    async def handle(self, req: ScreenChat, inbox: str, headers: Mapping[str, str] | None = None) -> None:
        started = time.perf_counter()
        if req.profile.screening_off:
            await self._forward(req, inbox, SCREENING_OFF, req.body, headers)
            self._emit(req, "screened", "logged", SCREENING_OFF, started, headers, detail="screening_off")
            return
        failure: str | None = None
        try:
            verdict = await asyncio.wait_for(self._pipeline.screen_chat(req.body, req.profile, req.key_id),
                                             self._timeout)
            failure = verdict.failed_detector
        except UnscreenableRequest as exc:  # bad input, not a failure: never forwarded, even fail-open
            failed = refused(req.request_id, exc)
            await self._reply(inbox, failed)
            self._emit(req, "failed", "error", None, started, headers, status=exc.status, detail=failed.error.code)
            return
        except Exception as exc:  # includes the timeout: screening did not finish
            verdict = None
            failure = "timeout" if isinstance(exc, asyncio.TimeoutError) else type(exc).__name__
            log.error("screening of %s failed: %s", req.request_id, failure)

        if verdict is not None and verdict.forward:
            decision = "redacted" if verdict.body != req.body else "logged" if failure else "allowed"
            assessment, body = verdict.assessment, verdict.body
        elif verdict is None and req.profile.fail_open:
            decision, assessment, body = "logged", UNSCREENED, req.body
        elif failure is not None and not req.profile.fail_open:
            message = f"Screening could not finish ({failure}); the request was not forwarded."
            await self._reply(inbox, Failed(
                request_id=req.request_id,
                error=ErrorInfo(status=503, message=message, code="screening_failed"),
            ))
            self._emit(req, "failed", "error", None, started, headers, status=503, detail=failure)
            return
        else:  # blocked, also where fail_open let a failed detector through but another blocked
            assert verdict is not None
            await self._reply(inbox, Blocked(request_id=req.request_id, assessment=verdict.assessment))
            self._emit(req, "blocked", "blocked", verdict.assessment, started, headers, status=400)
            return

        await self._forward(req, inbox, assessment, body, headers)
        self._emit(req, "screened", decision, assessment, started, headers)

    async def _forward(
        self, req: ScreenChat, inbox: str, assessment: SecurityAssessment, body: dict[str, Any],
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Hand the request to the router queue group; the router answers on the ingress inbox."""
        route = RouteChat(
            request_id=req.request_id, key_id=req.key_id, tenant=req.tenant, model=req.model,
            body=body, stream=req.stream, assessment=assessment,
        )
        out_headers = telemetry.onward(headers, {subjects.REQUEST_ID_HEADER: req.request_id})
        await self._nc.publish(subjects.ROUTE_CHAT, route.model_dump_json().encode(), reply=inbox, headers=out_headers)

    async def scan(self, req: ScanText) -> SecurityAssessment | Failed:
        try:
            if req.text is not None:
                verdict = await asyncio.wait_for(self._pipeline.screen_text(req.text, req.profile, req.key_id),
                                                 self._timeout)
            else:
                body = {"messages": req.messages or []}
                verdict = await asyncio.wait_for(self._pipeline.screen_chat(body, req.profile, req.key_id),
                                                 self._timeout)
        except UnscreenableRequest as exc:
            return refused(req.request_id, exc)
        return verdict.assessment

    async def screen_response(self, req: ScreenResponse) -> ResponseVerdict:
        """A provider's answer: every choice's text checked for leaked PII and secrets; fails closed."""
        try:
            verdicts = await asyncio.wait_for(
                asyncio.gather(*(self._pipeline.screen_response(t, req.profile, req.key_id) for t in req.texts)),
                self._timeout,
            )
        except Exception as exc:
            failure = "timeout" if isinstance(exc, asyncio.TimeoutError) else type(exc).__name__
            assessment = SecurityAssessment(is_safe=False, violated_rule="Screening Failed", reason=failure)
            return ResponseVerdict(request_id=req.request_id, forward=req.profile.fail_open, assessment=assessment,
                                   texts=req.texts if req.profile.fail_open else None, failed_detector=failure)
        if not verdicts:  # an answer without text (tool calls only)
            return ResponseVerdict(request_id=req.request_id, forward=True,
                                   assessment=SecurityAssessment(is_safe=True), texts=[])
        forward = all(v.forward for v in verdicts)
        # Report the verdict that withheld the answer, else the first with findings.
        worst = next((v for v in verdicts if not v.forward), None) or next(
            (v for v in verdicts if not v.assessment.is_safe), verdicts[0]
        )
        return ResponseVerdict(
            request_id=req.request_id, forward=forward, assessment=worst.assessment,
            texts=[v.text if v.text is not None else t for v, t in zip(verdicts, req.texts, strict=True)]
            if forward else None,
            failed_detector=worst.failed_detector,
        )

    def _emit(
        self, req: ScreenChat, kind: str, decision: str, assessment: SecurityAssessment | None, started: float,
        headers: Mapping[str, str] | None, status: int | None = None, detail: str | None = None,
    ) -> None:
        if self._audit is None:
            return
        self._audit.emit(
            AuditEvent(
                request_id=req.request_id, service="guard", kind=kind, key_id=req.key_id, tenant=req.tenant,
                model=req.model, status=status, decision=decision, assessment=assessment,  # type: ignore[arg-type]
                latency_ms=(time.perf_counter() - started) * 1000, detail=detail,
            ),
            headers=dict(headers or {}),
        )

    async def close(self) -> None:
        if self._audit is not None:
            await self._audit.flush()
