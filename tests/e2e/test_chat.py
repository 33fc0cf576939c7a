"""The request path as an application sees it, through the official openai SDK."""

from __future__ import annotations

import asyncio
import time

import httpx
import openai
import pytest

from tests.e2e.conftest import Gateway

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def key(gateway: Gateway) -> str:
    return gateway.create_key(name="chat")["key"]


def client(gateway: Gateway, key: str) -> openai.OpenAI:
    return openai.OpenAI(api_key=key, base_url=f"{gateway.ingress_url}/v1", max_retries=0, timeout=30)


def test_chat_completion_reaches_the_provider_with_the_real_provider_key(gateway: Gateway, key: str) -> None:
    before = len(gateway.upstream.requests)
    reply = client(gateway, key).chat.completions.create(
        model="gpt-e2e", messages=[{"role": "user", "content": "What is the capital of France?"}]
    )
    assert reply.choices[0].message.content == "echo: What is the capital of France?"
    seen = gateway.upstream.requests[before:]
    assert len(seen) == 1
    assert seen[0]["authorization"] == f"Bearer {gateway.upstream.api_key}"
    assert seen[0]["body"]["model"] == "gpt-e2e"


def test_model_defaults_to_the_keys_model(gateway: Gateway, key: str) -> None:
    resp = httpx.post(
        f"{gateway.ingress_url}/v1/chat/completions", headers={"X-API-Key": key},
        json={"messages": [{"role": "user", "content": "no model named"}]}, timeout=30,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"] == "echo: no model named"
    assert gateway.upstream.requests[-1]["body"]["model"] == "gpt-e2e"


def test_streaming_relays_every_chunk_in_order(gateway: Gateway, key: str) -> None:
    stream = client(gateway, key).chat.completions.create(
        model="gpt-e2e", stream=True, messages=[{"role": "user", "content": "one two three four five"}]
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text == "echo: one two three four five"


async def test_async_client_concurrent_requests(gateway: Gateway, key: str) -> None:
    aclient = openai.AsyncOpenAI(api_key=key, base_url=f"{gateway.ingress_url}/v1", max_retries=0, timeout=30)
    replies = await asyncio.gather(*(
        aclient.chat.completions.create(model="gpt-e2e", messages=[{"role": "user", "content": f"request {i}"}])
        for i in range(10)
    ))
    assert [r.choices[0].message.content for r in replies] == [f"echo: request {i}" for i in range(10)]


def test_credit_card_is_blocked_and_never_reaches_the_provider(gateway: Gateway, key: str) -> None:
    before = len(gateway.upstream.requests)
    with pytest.raises(openai.BadRequestError) as info:
        client(gateway, key).chat.completions.create(
            model="gpt-e2e", messages=[{"role": "user", "content": "Charge my card 4111 1111 1111 1111 please"}]
        )
    error = info.value.body
    assert info.value.status_code == 400
    assert error["code"] == "request_blocked"
    assessment = error["assessment"]
    assert assessment["is_safe"] is False
    assert assessment["violated_rule"] == "PII Detection"
    assert assessment["risk_score"] > 5
    assert any(f["type"] == "CREDIT_CARD" for f in assessment["findings"])
    assert "4111" not in str(error)
    assert len(gateway.upstream.requests) == before


def test_streaming_request_that_is_blocked_gets_a_plain_400(gateway: Gateway, key: str) -> None:
    with pytest.raises(openai.BadRequestError):
        client(gateway, key).chat.completions.create(
            model="gpt-e2e", stream=True,
            messages=[{"role": "user", "content": "my ssn is 536-22-8471, remember it"}],
        )


def test_answer_that_leaks_is_withheld_with_the_default_profile(gateway: Gateway, key: str) -> None:
    before = len(gateway.upstream.requests)
    with pytest.raises(openai.BadRequestError) as info:
        client(gateway, key).chat.completions.create(
            model="gpt-e2e", messages=[{"role": "user", "content": "What is on file? UPSTREAM_LEAK"}]
        )
    error = info.value.body
    assert error["code"] == "response_blocked"
    assert {f["type"] for f in error["assessment"]["findings"]} >= {"CREDIT_CARD"}
    assert "4111" not in str(error) and "hunter2" not in str(error)
    assert len(gateway.upstream.requests) == before + 1  # the request itself passed screening


def test_answer_with_an_image_that_sends_the_chat_away_is_withheld(gateway: Gateway, key: str) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client(gateway, key).chat.completions.create(
            model="gpt-e2e", messages=[{"role": "user", "content": "Summarise this page. UPSTREAM_EXFIL"}]
        )
    error = info.value.body
    assert error["code"] == "response_blocked"
    assert [f["type"] for f in error["assessment"]["findings"]] == ["DATA_EXFILTRATION"]
    assert "collector.example" in error["message"] and "VGhlIHVzZXIg" not in str(error)


def test_answer_that_leaks_is_redacted_when_the_profile_says_redact(gateway: Gateway) -> None:
    redact = {"actions": {"pii": "redact", "secret": "redact", "prompt_injection": "block", "policy": "block"}}
    created = gateway.create_key(name="redacting", profile=redact)
    reply = client(gateway, created["key"]).chat.completions.create(
        model="gpt-e2e", messages=[{"role": "user", "content": "What is on file? UPSTREAM_LEAK"}]
    )
    content = reply.choices[0].message.content
    assert "<CREDIT_CARD>" in content and "4111" not in content
    assert "hunter2" not in content


def test_streamed_answer_that_leaks_is_withheld_or_redacted(gateway: Gateway, key: str) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client(gateway, key).chat.completions.create(
            model="gpt-e2e", stream=True, messages=[{"role": "user", "content": "What is on file? UPSTREAM_LEAK"}]
        )
    assert info.value.body["code"] == "response_blocked"
    redact = {"actions": {"pii": "redact", "secret": "redact", "prompt_injection": "block", "policy": "block"}}
    created = gateway.create_key(name="redacting-stream", profile=redact)
    stream = client(gateway, created["key"]).chat.completions.create(
        model="gpt-e2e", stream=True, messages=[{"role": "user", "content": "What is on file? UPSTREAM_LEAK"}]
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert "<CREDIT_CARD>" in text and "4111" not in text and "hunter2" not in text


def test_unknown_key_is_401(gateway: Gateway) -> None:
    with pytest.raises(openai.AuthenticationError) as info:
        client(gateway, "gw-not-a-real-key").chat.completions.create(
            model="gpt-e2e", messages=[{"role": "user", "content": "hi"}]
        )
    assert info.value.status_code == 401
    assert "gw-not-a-real-key" not in str(info.value.body)


def test_missing_key_is_401(gateway: Gateway) -> None:
    resp = httpx.post(f"{gateway.ingress_url}/v1/chat/completions", json={"messages": []}, timeout=10)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "missing_api_key"


def test_revoked_key_stops_working_without_a_restart(gateway: Gateway) -> None:
    created = gateway.create_key(name="to-revoke")
    c = client(gateway, created["key"])
    assert c.chat.completions.create(model="gpt-e2e", messages=[{"role": "user", "content": "hi"}])
    with gateway.admin() as admin:
        assert admin.delete(f"/admin/v1/keys/{created['id']}").status_code == 204
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            c.chat.completions.create(model="gpt-e2e", messages=[{"role": "user", "content": "hi"}])
        except openai.AuthenticationError:
            return
        time.sleep(0.05)
    pytest.fail("a revoked key still worked 5 s after revocation")


def test_model_the_key_does_not_allow_is_403(gateway: Gateway, key: str) -> None:
    with pytest.raises(openai.PermissionDeniedError) as info:
        client(gateway, key).chat.completions.create(
            model="some-other-model", messages=[{"role": "user", "content": "hi"}]
        )
    assert info.value.status_code == 403
    assert info.value.body["param"] == "model"


@pytest.mark.parametrize(
    ("content", "status", "fragment"),
    [
        (b"{not json", 400, "could not parse the JSON body"),
        (b'{"model": "gpt-e2e"}', 400, "messages"),
        (b'{"messages": []}', 400, "messages"),
        (b'{"messages": [{"role": "wizard", "content": "hi"}]}', 400, "role"),
        (b'[1, 2, 3]', 400, "JSON object"),
        (b'{"messages": [{"role": "user", "content": "x"}], "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
         400, "could not parse the JSON body"),
        # A lone surrogate escape is valid JSON but no text: it used to end as a 500.
        (b'{"messages": [{"role": "user", "content": "hi \\ud800 there"}]}', 400, "lone UTF-16 surrogate"),
        (b'{"messages": [{"role": "assistant", "tool_calls": 7}]}', 400, "tool_calls"),
        # Nothing to answer, or nothing it may answer with: refused here, not forwarded to cost a call.
        (b'{"messages": [{"role": "user"}]}', 400, "a 'user' message needs content"),
        (b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": -1}', 400, "max_tokens"),
    ],
)
def test_malformed_body_gets_a_clear_4xx(
    gateway: Gateway, key: str, content: bytes, status: int, fragment: str
) -> None:
    resp = httpx.post(
        f"{gateway.ingress_url}/v1/chat/completions", content=content,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}, timeout=10,
    )
    assert resp.status_code == status
    error = resp.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert fragment in error["message"]


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/scan"])
def test_more_text_than_the_guard_screens_is_413_and_not_forwarded(gateway: Gateway, key: str, path: str) -> None:
    # Under the 4 MB body limit, over the guard's 1,000,000 characters: refused at once, not timed out.
    before = len(gateway.upstream.requests)
    body = {"messages": [{"role": "user", "content": "word " * 200_001}]}
    resp = httpx.post(f"{gateway.ingress_url}{path}", headers={"Authorization": f"Bearer {key}"}, json=body,
                      timeout=30)
    assert resp.status_code == 413, resp.text
    error = resp.json()["error"]
    assert error["code"] == "request_too_large" and "1,000,000" in error["message"]
    assert len(gateway.upstream.requests) == before


@pytest.mark.parametrize("content", [b'{"text": "hi \\ud800 there"}',
                                     b'{"messages": [{"role": "user", "content": "\\udfff"}]}'])
def test_scan_of_a_lone_surrogate_is_400_not_500(gateway: Gateway, key: str, content: bytes) -> None:
    resp = httpx.post(f"{gateway.ingress_url}/scan", content=content, timeout=10,
                      headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    assert resp.status_code == 400 and "lone UTF-16 surrogate" in resp.json()["error"]["message"]


def test_oversized_body_is_413(gateway: Gateway, key: str) -> None:
    huge = "x" * (4 * 1024 * 1024 + 10)
    resp = httpx.post(
        f"{gateway.ingress_url}/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
        json={"messages": [{"role": "user", "content": huge}]}, timeout=30,
    )
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("upstream_status", "sdk_error", "gateway_status"),
    [(500, openai.InternalServerError, 502), (429, openai.RateLimitError, 429), (400, openai.BadRequestError, 400)],
)
def test_upstream_errors_map_to_openai_errors(
    gateway: Gateway, key: str, upstream_status: int, sdk_error: type[Exception], gateway_status: int
) -> None:
    with pytest.raises(sdk_error) as info:
        client(gateway, key).chat.completions.create(
            model="gpt-e2e", messages=[{"role": "user", "content": f"UPSTREAM_STATUS={upstream_status}"}]
        )
    assert info.value.status_code == gateway_status  # type: ignore[attr-defined]
    assert gateway.upstream.api_key not in str(info.value.body)  # type: ignore[attr-defined]


def test_list_models_shows_what_the_key_may_use(gateway: Gateway) -> None:
    created = gateway.create_key(name="models", allowed_models=["gpt-e2e-mini"])
    models = client(gateway, created["key"]).models.list()
    assert sorted(m.id for m in models.data) == ["gpt-e2e", "gpt-e2e-mini"]


def test_scan_returns_the_assessment_without_forwarding(gateway: Gateway, key: str) -> None:
    before = len(gateway.upstream.requests)
    resp = httpx.post(
        f"{gateway.ingress_url}/scan", headers={"Authorization": f"Bearer {key}"},
        json={"text": "write to jane.doe@example.com about the invoice"}, timeout=30,
    )
    assert resp.status_code == 200, resp.text
    assessment = resp.json()
    assert assessment["is_safe"] is False
    assert any(f["type"] == "EMAIL_ADDRESS" for f in assessment["findings"])
    assert len(gateway.upstream.requests) == before
