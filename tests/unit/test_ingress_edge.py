import pytest
from starlette.datastructures import Headers

from libs.common.errors import AuthenticationFailed, InvalidRequest, PermissionDenied
from libs.common.keycache import KeyCache
from libs.common.keys import display_prefix, hash_key, new_gateway_key
from libs.common.messages import KeyRecord
from services.ingress.auth import authenticate, presented_key, resolve_model
from services.ingress.schemas import ChatRequest, ScanRequest, parse


def record(key: str, **kw: object) -> KeyRecord:
    return KeyRecord(id="k1", key_hash=hash_key(key), prefix=display_prefix(key), name="n", provider="openai",
                     model="gpt-a", **kw)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"authorization": "Bearer gw-abc"}, "gw-abc"),
        ({"authorization": "bearer   gw-abc  "}, "gw-abc"),
        ({"x-api-key": "gw-xyz"}, "gw-xyz"),
        ({"authorization": "Basic dXNlcjpwYXNz"}, None),
        ({}, None),
    ],
)
def test_presented_key(headers: dict[str, str], expected: str | None) -> None:
    assert presented_key(Headers(headers)) == expected


def test_authenticate_accepts_an_active_key_and_refuses_revoked_ones() -> None:
    key = new_gateway_key()
    cache = KeyCache()
    cache.put(record(key))
    assert authenticate(Headers({"authorization": f"Bearer {key}"}), cache).id == "k1"
    cache.put(record(key, revoked=True, revision=1))
    with pytest.raises(AuthenticationFailed):
        authenticate(Headers({"authorization": f"Bearer {key}"}), cache)


def test_rotated_key_hash_replaces_the_old_one() -> None:
    old, new = new_gateway_key(), new_gateway_key()
    cache = KeyCache()
    cache.put(record(old))
    cache.put(record(new, revision=2))
    assert cache.by_hash(hash_key(old)) is None
    assert cache.by_hash(hash_key(new)) is not None


def test_older_revision_never_overwrites_a_newer_one() -> None:
    key = new_gateway_key()
    cache = KeyCache()
    cache.put(record(key, revoked=True, revision=5))
    cache.put(record(key, revision=4))
    assert cache.by_id("k1").revoked


def test_model_resolution() -> None:
    r = record(new_gateway_key(), allowed_models=["gpt-b"])
    assert resolve_model(r, None) == "gpt-a"
    assert resolve_model(r, "gpt-b") == "gpt-b"
    with pytest.raises(PermissionDenied):
        resolve_model(r, "gpt-c")


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages.0.role"),
        ({"messages": "hello"}, "messages"),
        ({"messages": [{"role": "user", "content": 5}]}, "messages.0.content"),
        ({"messages": [{"role": "user", "content": "x"}], "stream": "yes please"}, "stream"),
        # Fields the guard screens must have shapes it can read, or the request is refused here.
        ({"messages": [{"role": "assistant", "tool_calls": 7}]}, "messages.0.tool_calls"),
        ({"messages": [{"role": "assistant", "tool_calls": [{"function": "f"}]}]}, "messages.0.tool_calls.0.function"),
        ({"messages": [{"role": "assistant", "tool_calls": [{"function": {"arguments": {"a": 1}}}]}]},
         "messages.0.tool_calls.0.function.arguments"),
        ({"messages": [{"role": "assistant", "refusal": ["no"]}]}, "messages.0.refusal"),
        ({"messages": [{"role": "user", "content": "x", "name": {"first": "Ann"}}]}, "messages.0.name"),
        ({"messages": [{"role": "user", "content": "x"}], "tools": 1}, "tools"),
        ({"messages": [{"role": "user", "content": "x"}], "tools": ["lookup"]}, "tools.0"),
        # A message with nothing in it, or a count no provider can honour, is refused before it costs a call.
        ({"messages": [{"role": "user"}]}, "messages.0.content"),
        ({"messages": [{"role": "user", "content": "x"}, {"role": "tool", "content": None}]}, "messages.1.content"),
        ({"messages": [{"role": "user", "content": "x"}], "max_tokens": -1}, "max_tokens"),
        ({"messages": [{"role": "user", "content": "x"}], "max_completion_tokens": 0}, "max_completion_tokens"),
        ({"messages": [{"role": "user", "content": "x"}], "max_tokens": "100"}, "max_tokens"),
        ({"messages": [{"role": "user", "content": "x"}], "n": 0}, "n"),
    ],
)
def test_bad_chat_bodies_name_the_parameter(body: dict, param: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        parse(ChatRequest, body)
    assert info.value.param is not None and info.value.param.startswith(param)


def test_multimodal_content_and_extra_fields_pass() -> None:
    chat = parse(ChatRequest, {
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image_url"}]}],
        "temperature": 0.1,
    })
    assert chat.model_extra == {"temperature": 0.1}


def test_assistant_turns_may_carry_only_tool_calls() -> None:
    chat = parse(ChatRequest, {
        "messages": [
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": None, "tool_calls": [{"function": {"arguments": "{}"}}]},
        ],
        "max_tokens": 1,
    })
    assert chat.messages[1].content is None and chat.max_tokens == 1


def test_scan_needs_exactly_one_input() -> None:
    with pytest.raises(InvalidRequest):
        parse(ScanRequest, {})
    with pytest.raises(InvalidRequest):
        parse(ScanRequest, {"text": "a", "messages": [{"role": "user", "content": "b"}]})
    assert parse(ScanRequest, {"text": "a"}).text == "a"


def test_stream_must_be_a_real_boolean() -> None:
    with pytest.raises(InvalidRequest):
        parse(ChatRequest, {"messages": [{"role": "user", "content": "x"}], "stream": "false"})
