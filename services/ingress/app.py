"""Ingress: the OpenAI-compatible HTTP edge. Authenticates, validates, publishes to NATS, relays the reply.

It never screens, never calls a provider and never reads the database.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from opentelemetry import trace
from starlette.exceptions import HTTPException as StarletteHTTPException

from libs.common import subjects
from libs.common.errors import GatewayError, InvalidRequest, PayloadTooLarge, RateLimited, openai_error_body
from libs.common.messages import Failed, KeyRecord, ScanText, SecurityAssessment, new_id
from libs.common.settings import Settings
from services.ingress import auth
from services.ingress.bootstrap import Ingress, start_ingress
from services.ingress.chat import failed_error
from services.ingress.schemas import ChatRequest, ScanRequest, parse

log = logging.getLogger(__name__)


def error_response(err: GatewayError) -> JSONResponse:
    headers = {"Retry-After": str(err.retry_after)} if isinstance(err, RateLimited) else None
    return JSONResponse(err.body(), status_code=err.status, headers=headers)


_SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F]")


async def read_json(request: Request, limit: int) -> Any:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"The request body is larger than the gateway's limit of {limit} bytes.")
    # Read in chunks and stop at the limit: a chunked upload without Content-Length is never buffered whole.
    parts, size = [], 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise PayloadTooLarge(f"The request body is larger than the gateway's limit of {limit} bytes.")
        parts.append(part)
    raw = b"".join(parts)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidRequest(
            "We could not parse the JSON body of your request. Send a JSON object with Content-Type: application/json."
        ) from None
    # JSON lets "\ud800" through without its pair; no Unicode text holds one, and passing it on failed later (a 500
    # where the request was serialised for the guard). Checked in full only when such an escape appears at all.
    if _SURROGATE_ESCAPE.search(raw):
        try:
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidRequest(
                "The JSON body holds a lone UTF-16 surrogate escape (\\ud800-\\udfff without its pair): not text."
            ) from None
    return body


def create_app(settings: Settings, ingress: Ingress | None = None) -> FastAPI:
    """The ingress app. ``ingress`` may be given (tests); otherwise the lifespan connects to NATS itself."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = ingress is None
        app.state.ingress = ingress or await start_ingress(settings)
        try:
            yield
        finally:
            if own:
                await app.state.ingress.close()

    app = FastAPI(title="LLM Security Gateway", version="0.1.0", lifespan=lifespan)
    tracer = trace.get_tracer("gateway.ingress")
    if ingress is not None:  # usable without running the lifespan (in-process tests)
        app.state.ingress = ingress

    def gw(request: Request) -> Ingress:
        return request.app.state.ingress

    async def admit(request: Request) -> KeyRecord:
        g = gw(request)
        record = auth.authenticate(request.headers, g.keys)
        if record.profile.rpm_limit and g.limiter is not None:
            try:
                allowed, retry_after = await g.limiter.hit(record.id, record.profile.rpm_limit)
            except Exception:  # a rate limit is cost control, not screening: an unreachable counter lets it pass
                log.warning("rate limit for key %s not checked: counter unavailable", record.id, exc_info=True)
                allowed, retry_after = True, 0
            if not allowed:
                raise RateLimited(
                    f"Rate limit of {record.profile.rpm_limit} requests per minute reached for this key.",
                    retry_after=retry_after,
                )
        return record

    @app.exception_handler(GatewayError)
    async def _gateway_error(_: Request, exc: GatewayError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(InvalidRequest(f"Invalid request: {exc.errors()[0].get('msg', 'bad input')}."))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = "invalid_request_error" if exc.status_code < 500 else "api_error"
        return JSONResponse(openai_error_body(str(exc.detail), kind), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        ref = uuid.uuid4().hex[:12]
        log.exception("unexpected error (ref %s)", ref)
        return JSONResponse(openai_error_body(f"Internal gateway error (ref {ref}).", "api_error"), status_code=500)

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        record = await admit(request)
        body = await read_json(request, settings.max_request_bytes)
        chat: ChatRequest = parse(ChatRequest, body)
        model = auth.resolve_model(record, chat.model)
        relay = gw(request).relay
        request_id = new_id()
        headers = {"x-request-id": request_id}
        # The trace starts here and follows the request through NATS (traceparent header) to every service.
        with tracer.start_as_current_span("chat.completions", kind=trace.SpanKind.SERVER) as span:
            span.set_attribute("gateway.request_id", request_id)
            span.set_attribute("gateway.key_id", record.id)
            span.set_attribute("gateway.model", model)
            waiter = await relay.submit(request_id, record, model, body, chat.stream)
            if not chat.stream:
                return JSONResponse(await relay.complete(waiter), headers=headers)
            first = await relay.first_chunk(waiter)
        return StreamingResponse(
            relay.sse(waiter, first), media_type="text/event-stream",
            headers={**headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.get("/v1/models")
    async def list_models(request: Request) -> dict[str, Any]:
        record = await admit(request)
        models = dict.fromkeys([record.model, *record.allowed_models])
        now = int(time.time())
        return {
            "object": "list",
            "data": [{"id": m, "object": "model", "created": now, "owned_by": record.provider} for m in models],
        }

    @app.post("/scan")
    async def scan(request: Request) -> dict[str, Any]:
        record = await admit(request)
        req: ScanRequest = parse(ScanRequest, await read_json(request, settings.max_request_bytes))
        messages = [m.model_dump(exclude_none=True) for m in req.messages] if req.messages is not None else None
        msg = ScanText(request_id=new_id(), key_id=record.id, text=req.text, messages=messages, profile=record.profile)
        reply = await gw(request).request(subjects.SCAN_TEXT, msg.model_dump_json().encode(), settings.screen_timeout)
        answer = json.loads(reply)
        if answer.get("kind") == "failed":  # the guard refused the input (too long, unreadable)
            raise failed_error(Failed.model_validate(answer).error)
        return SecurityAssessment.model_validate(answer).model_dump(mode="json")

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready")
    async def ready(request: Request) -> JSONResponse:
        g = gw(request)
        ok = g.nc.is_connected and g.keys.ready.is_set()
        status = {"nats": g.nc.is_connected, "keys_loaded": g.keys.ready.is_set(), "keys": len(g.keys)}
        return JSONResponse({"status": "ready" if ok else "not ready", **status}, status_code=200 if ok else 503)

    return app
