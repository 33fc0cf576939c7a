"""The hops between ingress, guard and router on a real NATS server, with the services in-process.

The screening pipeline and the provider are the only fakes: a pipeline with a chosen verdict, and LiteLLM's
mock_response. What is proven here is the wiring: fail-closed behaviour, deadlines, and the forward-and-reply chain
(which FastStream's in-memory broker cannot show: it drops a handler's reply_to).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import nats
import pytest
import uvicorn
from cryptography.exceptions import InvalidTag

from libs.common import subjects
from libs.common.bus import connect
from libs.common.embedded_nats import EmbeddedNats, free_port
from libs.common.keycache import KeyCache, keys_bucket
from libs.common.keys import KeyRing, display_prefix, hash_key, new_gateway_key
from libs.common.messages import (
    CATEGORIES,
    Accepted,
    KeyProfile,
    KeyRecord,
    RouteChat,
    ScreenChat,
    ScreenResponse,
    SecurityAssessment,
    StreamChunk,
)
from libs.common.settings import Settings
from services.guard.service import Guard
from services.ingress.app import create_app
from services.ingress.bootstrap import start_ingress
from services.router.service import Router

pytestmark = pytest.mark.integration


@dataclass
class FakeVerdict:
    assessment: SecurityAssessment
    forward: bool
    body: dict[str, Any] | None
    failed_detector: str | None = None
    text: str | None = None


@dataclass
class FakePipeline:
    """Blocks any text containing BLOCK, raises on RAISE, hangs on HANG; allows the rest."""

    seen: list[dict[str, Any]] = field(default_factory=list)

    async def screen_chat(self, body: dict[str, Any], profile: KeyProfile, scope: str = "") -> FakeVerdict:
        self.seen.append(body)
        text = " ".join(str(m.get("content")) for m in body["messages"])
        if "RAISE" in text:
            raise RuntimeError("detector exploded")
        if "HANG" in text:
            await asyncio.sleep(30)
        if "BLOCK" in text:
            a = SecurityAssessment(is_safe=False, violated_rule="Test Rule", reason="test block", risk_score=9)
            return FakeVerdict(a, forward=False, body=None)
        return FakeVerdict(SecurityAssessment(is_safe=True), forward=True, body=body)

    async def screen_text(self, text: str, profile: KeyProfile, scope: str = "") -> FakeVerdict:
        return await self.screen_chat({"messages": [{"role": "user", "content": text}]}, profile)

    async def screen_response(self, text: str, profile: KeyProfile, scope: str = "") -> FakeVerdict:
        """An answer holding SECRET is withheld; one holding 4111... has it masked."""
        if "SECRET" in text:
            a = SecurityAssessment(is_safe=False, violated_rule="Secret Detection", reason="API_KEY", risk_score=9)
            return FakeVerdict(a, forward=False, body=None)
        masked = text.replace("4111 1111 1111 1111", "<CREDIT_CARD>")
        return FakeVerdict(SecurityAssessment(is_safe=masked == text), forward=True, body=None, text=masked)


async def subscriptions_in_place(nc: nats.aio.client.Client) -> None:
    """Return once the server holds every subscription made on ``nc``. nats-py's flush() writes its PING straight
    to the socket, ahead of what its flusher task has yet to write (a SUB just made), so the first PONG can come
    back before the server has read the SUB: a request from another connection then met no responders (3 in 400
    tries, and a 503 here in 2 of 9 full runs). By the first PONG the flusher has written the SUB, so the second
    PONG proves it (0 in 400)."""
    await nc.flush()
    await nc.flush()


@dataclass
class Stack:
    http: httpx.AsyncClient
    app: Any
    key: str
    record: KeyRecord
    pipeline: FakePipeline
    routed: list[RouteChat]
    nc: nats.aio.client.Client
    subs: list[Any] = field(default_factory=list)

    async def start_guard(self, timeout: float = 1.0, answers: bool = True) -> None:
        guard = Guard(self.nc, self.pipeline, None, timeout)

        async def on_screen(msg: Any) -> None:
            await guard.handle(ScreenChat.model_validate_json(msg.data), msg.reply, msg.headers)

        async def on_answer(msg: Any) -> None:
            verdict = await guard.screen_response(ScreenResponse.model_validate_json(msg.data))
            await msg.respond(verdict.model_dump_json().encode())

        self.subs.append(await self.nc.subscribe(subjects.SCREEN_CHAT, queue=subjects.GUARD_QUEUE, cb=on_screen))
        if answers:
            self.subs.append(
                await self.nc.subscribe(subjects.SCREEN_RESPONSE, queue=subjects.GUARD_QUEUE, cb=on_answer)
            )

    async def start_router(self, settings: Settings) -> None:
        keys = KeyCache()
        await keys.start(self.nc.jetstream())
        router = Router(self.nc, keys, KeyRing({"k1": os.urandom(32)}), None, settings)

        async def on_route(msg: Any) -> None:
            req = RouteChat.model_validate_json(msg.data)
            self.routed.append(req)
            await router.handle(req, msg.reply, msg.headers)

        self.subs.append(await self.nc.subscribe(subjects.ROUTE_CHAT, queue=subjects.ROUTER_QUEUE, cb=on_route))

    async def chat(self, content: str, **extra: Any) -> httpx.Response:
        await subscriptions_in_place(self.nc)  # before ingress publishes
        return await self.http.post(
            "/v1/chat/completions", headers={"Authorization": f"Bearer {self.key}"},
            json={"messages": [{"role": "user", "content": content}], **extra},
        )


@pytest.fixture
async def stack(nats_server: Any) -> AsyncIterator[Stack]:
    settings = Settings(nats_url=nats_server.url, screen_timeout=0.5, request_timeout=5, stream_idle_timeout=2)
    nc = await connect(settings.nats_url, "test")
    key = new_gateway_key()
    record = KeyRecord(
        id="k-test", key_hash=hash_key(key), prefix=display_prefix(key), name="t", provider="mock", model="m1",
        profile=KeyProfile(),
    )
    kv = await keys_bucket(nc.jetstream())
    await kv.put(record.id, record.model_dump_json().encode())
    ingress = await start_ingress(settings)
    app = create_app(settings, ingress)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ingress", timeout=10)
    s = Stack(http, app, key, record, FakePipeline(), [], nc)
    try:
        yield s
    finally:
        await http.aclose()
        await ingress.close()
        await nc.drain()


async def test_no_guard_listening_is_503_and_nothing_is_forwarded(stack: Stack) -> None:
    resp = await stack.chat("hello")
    assert resp.status_code == 503
    assert "not forwarded" in resp.json()["error"]["message"]


async def test_silent_guard_is_504(stack: Stack) -> None:
    async def swallow(_: Any) -> None:
        pass

    await stack.nc.subscribe(subjects.SCREEN_CHAT, queue=subjects.GUARD_QUEUE, cb=swallow)
    resp = await stack.chat("hello")
    assert resp.status_code == 504, resp.text
    assert resp.json()["error"]["type"] == "api_error"


async def test_full_chain_guard_forwards_with_the_ingress_inbox_and_router_replies(stack: Stack) -> None:
    await stack.start_guard()
    await stack.start_router(Settings())
    resp = await stack.chat("hello there")
    assert resp.status_code == 200, resp.text
    assert "mock reply" in resp.json()["choices"][0]["message"]["content"]
    assert [r.request_id for r in stack.routed] == [resp.headers["x-request-id"]]


async def test_answer_leaking_a_secret_is_withheld(stack: Stack) -> None:
    await stack.start_guard()
    await stack.start_router(Settings(screen_timeout=1))
    resp = await stack.chat("tell me the key", mock_response="Sure: the SECRET is here")
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["code"] == "response_blocked"
    assert error["assessment"]["violated_rule"] == "Secret Detection"
    assert "SECRET" not in resp.text


async def test_answer_with_pii_is_returned_redacted(stack: Stack) -> None:
    await stack.start_guard()
    await stack.start_router(Settings(screen_timeout=1))
    resp = await stack.chat("what card is on file?", mock_response="The card is 4111 1111 1111 1111.")
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"] == "The card is <CREDIT_CARD>."


async def test_streamed_answer_is_screened_before_any_chunk_leaves(stack: Stack) -> None:
    await stack.start_guard()
    await stack.start_router(Settings(screen_timeout=1))
    leak = await stack.chat("key?", stream=True, mock_response="Sure: the SECRET is here")
    assert leak.status_code == 400  # a plain HTTP error: not one byte of the answer was streamed
    assert leak.json()["error"]["code"] == "response_blocked"
    await subscriptions_in_place(stack.nc)
    async with stack.http.stream(
        "POST", "/v1/chat/completions", headers={"Authorization": f"Bearer {stack.key}"},
        json={"stream": True, "mock_response": "The card is 4111 1111 1111 1111.",
              "messages": [{"role": "user", "content": "card?"}]},
    ) as resp:
        assert resp.status_code == 200
        events = [line[6:] for line in [ln async for ln in resp.aiter_lines()] if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    text = "".join(
        c["choices"][0]["delta"].get("content") or "" for c in map(json.loads, events[:-1]) if c.get("choices")
    )
    assert text == "The card is <CREDIT_CARD>."


async def test_answer_that_cannot_be_screened_is_withheld(stack: Stack) -> None:
    await stack.start_guard(answers=False)  # requests are screened, answers nobody screens
    await stack.start_router(Settings(screen_timeout=0.5))
    resp = await stack.chat("hello")
    assert resp.status_code == 503
    assert resp.json()["error"]["code"] == "screening_failed"


async def test_key_with_every_category_off_skips_screening_both_ways(stack: Stack) -> None:
    kv = await keys_bucket(stack.nc.jetstream())
    off = KeyProfile(actions={c: "off" for c in CATEGORIES})
    record = stack.record.model_copy(update={"profile": off, "revision": 1})
    await kv.put(record.id, record.model_dump_json().encode())
    await asyncio.sleep(0.2)
    await stack.start_guard(answers=False)  # nobody screens answers: the router must not ask
    await stack.start_router(Settings(screen_timeout=0.5))
    resp = await stack.chat("please BLOCK this")
    assert resp.status_code == 200, resp.text
    assert stack.pipeline.seen == []  # the guard forwarded without running the pipeline
    assert stack.routed[0].assessment.reason.startswith("not screened")


async def test_provider_key_the_router_cannot_open_is_a_quick_502_not_a_hang(stack: Stack) -> None:
    kv = await keys_bucket(stack.nc.jetstream())
    sealed_elsewhere = KeyRing({"k1": os.urandom(32)}).seal("sk-provider")  # not the router's KEK
    record = stack.record.model_copy(update={"provider_key_ciphertext": sealed_elsewhere, "revision": 1})
    await kv.put(record.id, record.model_dump_json().encode())
    await asyncio.sleep(0.2)
    await stack.start_guard()
    await stack.start_router(Settings())
    resp = await stack.chat("hello")
    assert resp.status_code == 502
    assert resp.json()["error"]["code"] == "router_error"
    assert "sk-provider" not in resp.text


async def test_blocked_request_never_reaches_the_router(stack: Stack) -> None:
    await stack.start_guard()
    await stack.start_router(Settings())
    resp = await stack.chat("please BLOCK this")
    assert resp.status_code == 400
    assert resp.json()["error"]["assessment"]["violated_rule"] == "Test Rule"
    assert stack.routed == []


@pytest.mark.parametrize("trigger", ["RAISE", "HANG"])
async def test_screening_that_cannot_finish_fails_closed(stack: Stack, trigger: str) -> None:
    await stack.start_guard(timeout=0.3)
    await stack.start_router(Settings())
    resp = await stack.chat(f"{trigger} now")
    assert resp.status_code == 503
    assert resp.json()["error"]["code"] == "screening_failed"
    assert stack.routed == []


async def test_fail_open_profile_forwards_when_screening_fails(stack: Stack) -> None:
    kv = await keys_bucket(stack.nc.jetstream())
    record = stack.record.model_copy(update={"profile": KeyProfile(fail_open=True), "revision": 1})
    await kv.put(record.id, record.model_dump_json().encode())
    await asyncio.sleep(0.2)
    await stack.start_guard(timeout=0.3)
    await stack.start_router(Settings())
    resp = await stack.chat("RAISE now")
    assert resp.status_code == 200, resp.text
    assert len(stack.routed) == 1


async def test_trace_context_travels_in_nats_headers_to_the_router(stack: Stack) -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(TracerProvider())
    headers: dict[str, dict[str, str]] = {}

    async def spy(msg: Any) -> None:
        headers[msg.subject] = dict(msg.headers or {})

    await stack.nc.subscribe(subjects.SCREEN_CHAT, cb=spy)
    await stack.nc.subscribe(subjects.ROUTE_CHAT, cb=spy)
    await stack.start_guard()
    await stack.start_router(Settings())
    assert (await stack.chat("trace me")).status_code == 200
    screen_tp = headers[subjects.SCREEN_CHAT][subjects.TRACEPARENT]
    route_tp = headers[subjects.ROUTE_CHAT][subjects.TRACEPARENT]
    assert screen_tp.split("-")[1] == route_tp.split("-")[1]  # one trace id across the hops
    assert headers[subjects.SCREEN_CHAT][subjects.REQUEST_ID_HEADER]


async def test_rate_limit_is_429_with_retry_after(stack: Stack) -> None:
    kv = await keys_bucket(stack.nc.jetstream())
    record = stack.record.model_copy(update={"profile": KeyProfile(rpm_limit=2), "revision": 1})
    await kv.put(record.id, record.model_dump_json().encode())
    await asyncio.sleep(0.2)
    await stack.start_guard()
    await stack.start_router(Settings())
    if (left := 60 - time.time() % 60) < 3:  # the three requests must fall in one 60 s window
        await asyncio.sleep(left + 0.1)
    statuses = [(await stack.chat(f"hello {i}")) for i in range(3)]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    limited = statuses[2]
    assert limited.json()["error"]["type"] == "rate_limit_error"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60


async def test_no_router_listening_is_504_not_an_unscreened_forward(stack: Stack) -> None:
    await stack.start_guard()
    resp = await stack.chat("hello")
    assert resp.status_code == 504, resp.text


async def test_stream_through_the_chain_ends_with_done(stack: Stack) -> None:
    await stack.start_guard()
    await stack.start_router(Settings())
    await subscriptions_in_place(stack.nc)
    async with stack.http.stream(
        "POST", "/v1/chat/completions", headers={"Authorization": f"Bearer {stack.key}"},
        json={"stream": True, "messages": [{"role": "user", "content": "stream please"}]},
    ) as resp:
        assert resp.status_code == 200
        lines = [line async for line in resp.aiter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    assert len(lines) > 3


async def test_client_that_disconnects_mid_stream_cancels_the_upstream_call(stack: Stack) -> None:
    """A slow stream from a stand-in router; the client hangs up after one event; ingress must publish a cancel."""
    await stack.start_guard()
    cancels: list[str] = []

    async def on_cancel(msg: Any) -> None:
        cancels.append(msg.subject)

    async def slow_router(msg: Any) -> None:
        req = RouteChat.model_validate_json(msg.data)
        await stack.nc.publish(msg.reply, Accepted(request_id=req.request_id).model_dump_json().encode())
        for seq in range(100):
            chunk = StreamChunk(request_id=req.request_id, seq=seq, chunk={"choices": [{"delta": {"content": "x"}}]})
            await stack.nc.publish(msg.reply, chunk.model_dump_json().encode())
            await asyncio.sleep(0.05)

    await stack.nc.subscribe(f"{subjects.CANCEL_PREFIX}.*", cb=on_cancel)
    await stack.nc.subscribe(subjects.ROUTE_CHAT, queue=subjects.ROUTER_QUEUE, cb=slow_router)
    await subscriptions_in_place(stack.nc)
    # A real HTTP server: only a real connection can be hung up on.
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(stack.app, port=port, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client, client.stream(
            "POST", "/v1/chat/completions", headers={"Authorization": f"Bearer {stack.key}"},
            json={"stream": True, "messages": [{"role": "user", "content": "stream please"}]},
        ) as resp:
            request_id = resp.headers["x-request-id"]
            async for _ in resp.aiter_lines():
                break
        for _ in range(60):
            if cancels:
                break
            await asyncio.sleep(0.05)
    finally:
        server.should_exit = True
        await serving
    assert cancels == [subjects.cancel_subject(request_id)]


async def test_oversized_request_is_413_before_touching_nats(stack: Stack) -> None:
    resp = await stack.http.post(
        "/v1/chat/completions", headers={"Authorization": f"Bearer {stack.key}"},
        content=b'{"messages": [{"role": "user", "content": "' + b"x" * (5 * 1024 * 1024) + b'"}]}',
    )
    assert resp.status_code == 413


async def test_chunked_upload_over_the_limit_is_413(stack: Stack) -> None:
    async def chunks() -> Any:  # no Content-Length: the server only learns the size by reading
        yield b'{"messages": [{"role": "user", "content": "'
        for _ in range(80):
            yield b"x" * 65536
        yield b'"}]}'

    resp = await stack.http.post(
        "/v1/chat/completions", headers={"Authorization": f"Bearer {stack.key}"}, content=chunks()
    )
    assert resp.status_code == 413


async def test_request_over_the_bus_limit_is_413_not_500(tmp_path: Any) -> None:
    """A NATS server with the default 1 MiB max_payload, and a 2 MiB request under GW_MAX_REQUEST_BYTES."""
    with EmbeddedNats(tmp_path / "nats", max_payload=1024 * 1024) as server:
        settings = Settings(nats_url=server.url)
        ingress = await start_ingress(settings)
        key = new_gateway_key()
        ingress.keys.put(KeyRecord(id="k", key_hash=hash_key(key), prefix="p", name="n", provider="mock", model="m"))
        app = create_app(settings, ingress)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://i") as http:
            resp = await http.post(
                "/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
                json={"messages": [{"role": "user", "content": "x" * (2 * 1024 * 1024)}]},
            )
        await ingress.close()
    assert resp.status_code == 413
    assert "message bus" in resp.json()["error"]["message"]


def test_keyring_round_trip_binds_the_key_id() -> None:
    ring = KeyRing({"k1": os.urandom(32)})
    sealed = ring.seal("sk-provider-secret")
    assert "sk-provider-secret" not in sealed
    assert ring.open(sealed) == "sk-provider-secret"
    _, _, blob = sealed.partition(":")
    with pytest.raises(InvalidTag):
        KeyRing({"k2": base64.b64decode(base64.b64encode(os.urandom(32)))}).open(f"k2:{blob}")
