"""Pure mapping from a key's provider and a model name to what LiteLLM calls, and provider errors to ours."""

from __future__ import annotations

import re
from typing import Any

from libs.common.errors import GatewayError, GatewayTimeout, UpstreamError, error_for_status

# Provider names our keys use -> LiteLLM's provider prefixes where they differ.
PROVIDER_ALIASES = {
    "google": "gemini",
    "gemini": "gemini",
    "azure-openai": "azure",
    "aws": "bedrock",
    "together": "together_ai",
    "mock": "openai",  # answered by mock_response, never sent anywhere
}

# The OpenAI chat parameters a client may pass to the provider. An allowlist, not a denylist: LiteLLM acts on many
# more keyword arguments (fallbacks, api_base, callbacks, extra_headers, custom_llm_provider...), and any of them
# from a client could send the provider key or unscreened messages elsewhere. Everything else is dropped.
PROVIDER_PARAMS = frozenset({
    "temperature", "top_p", "n", "stop", "max_tokens", "max_completion_tokens", "presence_penalty",
    "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "user", "seed", "tools", "tool_choice",
    "parallel_tool_calls", "response_format", "reasoning_effort", "modalities", "audio", "prediction",
    "service_tier", "store", "stream_options", "web_search_options", "verbosity",
})

MOCK_REPLY = "This is a mock reply from the LLM Security Gateway: the request passed screening."


def litellm_model(provider: str, model: str) -> str:
    """``google`` + ``gemini-2.5-pro`` -> ``gemini/gemini-2.5-pro``; a model already naming a provider is kept."""
    provider = PROVIDER_ALIASES.get(provider, provider)
    head, sep, tail = model.partition("/")
    if sep and PROVIDER_ALIASES.get(head, head) == provider:
        return f"{provider}/{tail}"
    return f"{provider}/{model}"


def passthrough_params(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k in PROVIDER_PARAMS}


_SECRETISH = re.compile(r"(sk-[A-Za-z0-9_\-]{6,}|gw-[A-Za-z0-9_\-]{6,}|AIza[0-9A-Za-z_\-]{10,}|Bearer\s+\S+)")


def scrub(text: str, *secrets: str | None) -> str:
    """Remove anything key-like from a provider's error message before it leaves the router."""
    for s in secrets:
        if s:
            text = text.replace(s, "[redacted]")
    return _SECRETISH.sub("[redacted]", text)


def provider_error(exc: Exception, *secrets: str | None) -> GatewayError:
    """Translate a LiteLLM/OpenAI-SDK exception into the error the client sees."""
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    message = scrub(str(getattr(exc, "message", None) or exc), *secrets)[:500]
    if "Timeout" in name:
        return GatewayTimeout("The provider did not answer in time.", code="upstream_timeout")
    if "APIConnectionError" in name or (status == 500 and "Connection error" in message):
        return UpstreamError("The gateway could not connect to the provider.", code="upstream_unreachable")
    if status in (401, 403):
        return UpstreamError(
            "The provider rejected the credentials configured for this gateway key.", code="upstream_auth_failed"
        )
    if isinstance(status, int) and 400 <= status < 500:
        return error_for_status(status, f"The provider rejected the request: {message}", "upstream_rejected")
    return UpstreamError(f"The provider returned an error: {message}")
