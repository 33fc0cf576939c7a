import pytest

from libs.common.errors import GatewayTimeout, InvalidRequest, RateLimited, UpstreamError
from services.router.models import litellm_model, passthrough_params, provider_error, scrub


@pytest.mark.parametrize(
    ("provider", "model", "expected"),
    [
        ("openai", "gpt-4o-mini", "openai/gpt-4o-mini"),
        ("google", "gemini-2.5-pro", "gemini/gemini-2.5-pro"),
        ("google", "google/gemini-2.5-pro", "gemini/gemini-2.5-pro"),
        ("gemini", "gemini/gemini-2.5-flash", "gemini/gemini-2.5-flash"),
        ("anthropic", "claude-sonnet-4-5", "anthropic/claude-sonnet-4-5"),
        ("together", "meta-llama/Llama-3-70b", "together_ai/meta-llama/Llama-3-70b"),
        ("mock", "demo", "openai/demo"),
    ],
)
def test_model_names_map_to_litellm(provider: str, model: str, expected: str) -> None:
    assert litellm_model(provider, model) == expected


def test_gateway_fields_never_reach_the_provider() -> None:
    body = {"model": "m", "messages": [], "stream": True, "api_key": "sk-evil", "api_base": "http://evil",
            "temperature": 0.2, "tools": [{"type": "function"}]}
    assert passthrough_params(body) == {"temperature": 0.2, "tools": [{"type": "function"}]}


def test_scrub_removes_the_provider_key_and_key_shapes() -> None:
    text = "Incorrect API key provided: sk-abc123456789. Also gw-zzzzzzzzzz and my-custom-secret-1"
    out = scrub(text, "my-custom-secret-1")
    assert "sk-abc" not in out and "gw-zzz" not in out and "my-custom-secret-1" not in out


class FakeProviderError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status
        self.message = message


class APITimeoutError(Exception):
    pass


@pytest.mark.parametrize(
    ("exc", "kind", "status"),
    [
        (FakeProviderError(429, "slow down"), RateLimited, 429),
        (FakeProviderError(400, "bad param"), InvalidRequest, 400),
        (FakeProviderError(401, "Incorrect API key provided: sk-abcdef123456"), UpstreamError, 502),
        (FakeProviderError(500, "boom"), UpstreamError, 502),
        (FakeProviderError(503, "overloaded"), UpstreamError, 502),
        (APITimeoutError("took too long"), GatewayTimeout, 504),
    ],
)
def test_provider_errors_map_to_gateway_errors(exc: Exception, kind: type, status: int) -> None:
    err = provider_error(exc, "sk-abcdef123456")
    assert isinstance(err, kind)
    assert err.status == status
    assert "sk-abcdef123456" not in err.message


def test_provider_404_keeps_its_status() -> None:
    err = provider_error(FakeProviderError(404, "model not found"))
    assert err.status == 404


def test_answer_texts_and_putting_redacted_texts_back() -> None:
    from services.router.answers import answer_texts, with_texts

    response = {"choices": [
        {"message": {"role": "assistant", "content": "card 4111"}},
        {"message": {"role": "assistant", "content": None, "tool_calls": [{"id": "t"}]}},
        {"message": {"role": "assistant", "content": "fine"}},
    ]}
    located = answer_texts(response)
    assert located == [((0, "content", None), "card 4111"), ((2, "content", None), "fine")]
    assert with_texts(response, located, ["card 4111", "fine"]) is response  # nothing changed, no copy
    redacted = with_texts(response, located, ["card <CREDIT_CARD>", "fine"])
    assert redacted["choices"][0]["message"]["content"] == "card <CREDIT_CARD>"
    assert response["choices"][0]["message"]["content"] == "card 4111"  # the original is untouched


def test_litellm_control_parameters_from_a_client_are_dropped() -> None:
    body = {"model": "m", "messages": [], "temperature": 0.1,
            "fallbacks": [{"model": "openai/x", "api_base": "https://evil.example/v1"}],
            "extra_headers": {"X": "1"}, "callbacks": ["x"], "custom_llm_provider": "openai", "ssl_verify": False,
            "api_base": "https://evil.example/v1", "mock_response": "x", "metadata": {}}
    assert passthrough_params(body) == {"temperature": 0.1}


def test_a_streamed_answer_is_assembled_and_re_chunked_redacted() -> None:
    from services.router.answers import redacted_stream, stream_texts

    head = {"id": "c1", "object": "chat.completion.chunk", "model": "m"}
    chunks = [
        {**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]},
        {**head, "choices": [{"index": 0, "delta": {"content": "card 4111 "}}]},
        {**head, "choices": [{"index": 0, "delta": {"content": "1111"}}]},
        {**head, "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "t"}]}}]},
        {**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": {"total_tokens": 3}},
    ]
    located = stream_texts(chunks)
    assert located == [((0, "content", None), "card 4111 1111")]
    out = redacted_stream(chunks, located, ["card <CREDIT_CARD>"])
    assert out[0]["id"] == "c1" and out[0]["choices"][0]["delta"]["content"] == "card <CREDIT_CARD>"
    streamed = "".join(str(c["choices"][0]["delta"].get("content", "")) for c in out if c["choices"])
    assert streamed == "card <CREDIT_CARD>"
    assert out[1]["choices"][0]["delta"] == {"tool_calls": [{"index": 0, "id": "t"}]}  # tool calls kept
    assert out[-1]["choices"][0]["finish_reason"] == "stop" and out[-1]["usage"] == {"total_tokens": 3}


def test_tool_call_arguments_and_refusals_are_screened_too() -> None:
    from services.router.answers import answer_texts, redacted_stream, stream_texts, with_texts

    response = {"choices": [{"message": {"role": "assistant", "content": None, "refusal": "no: 4111",
                                         "tool_calls": [{"id": "t", "function": {"name": "f",
                                                                                "arguments": '{"card": "4111"}'}}]}}]}
    located = answer_texts(response)
    assert [t for _, t in located] == ["no: 4111", '{"card": "4111"}']
    out = with_texts(response, located, ["no: <X>", '{"card": "<X>"}'])
    assert out["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] == '{"card": "<X>"}'
    assert out["choices"][0]["message"]["refusal"] == "no: <X>"
    chunks = [{"id": "c", "choices": [{"index": 0, "delta": {"tool_calls": [
        {"index": 0, "id": "t", "function": {"name": "f", "arguments": '{"card": '}}]}}]},
        {"id": "c", "choices": [{"index": 0, "delta": {"tool_calls": [
            {"index": 0, "function": {"arguments": '"4111"}'}}]}}]}]
    streamed = stream_texts(chunks)
    assert streamed == [((0, "tool_calls", 0), '{"card": "4111"}')]
    assert redacted_stream(chunks, streamed, ['{"card": "<X>"}']) is None  # withheld, not re-chunked
