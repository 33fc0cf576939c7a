"""The only place that calls LiteLLM."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

from libs.common.messages import KeyRecord
from services.router.models import MOCK_REPLY, litellm_model, passthrough_params

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
import litellm

litellm.suppress_debug_info = True
litellm.telemetry = False
litellm.turn_off_message_logging = True


def call_kwargs(
    record: KeyRecord, model: str, body: dict[str, Any], provider_key: str | None, timeout: float, retries: int
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        **passthrough_params(body),
        "model": litellm_model(record.provider, model),
        "messages": body["messages"],
        "timeout": timeout,
        "num_retries": retries,
    }
    if record.provider == "mock":
        # The offline provider answers what the request asks it to (as LiteLLM Proxy allows), or a fixed reply.
        kwargs["mock_response"] = body.get("mock_response") or MOCK_REPLY
    else:
        if provider_key:
            kwargs["api_key"] = provider_key
        if record.api_base:
            kwargs["api_base"] = record.api_base
    return kwargs


async def complete(kwargs: dict[str, Any]) -> dict[str, Any]:
    response = await litellm.acompletion(**kwargs)
    return response.model_dump(exclude_none=True)


async def stream(kwargs: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    response = await litellm.acompletion(**kwargs, stream=True)
    async for chunk in response:
        yield chunk.model_dump(exclude_none=True)


def cost_usd(response: dict[str, Any]) -> float | None:
    try:
        return float(litellm.completion_cost(completion_response=response))
    except Exception:  # unknown models have no price; cost is informational
        return None
