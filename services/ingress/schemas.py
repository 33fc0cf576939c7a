"""What ingress accepts on /v1/chat/completions and /scan: just enough to reject bad input with a clear 400.

Everything else in the body passes through to the provider untouched.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from libs.common.errors import InvalidRequest

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]
# OpenAI refuses these roles without content; a provider reached through LiteLLM may not, and would answer
# a message nobody wrote.
NEEDS_CONTENT = frozenset({"system", "developer", "user", "tool"})
Count = Annotated[int, Field(strict=True, ge=1)]


class Open(BaseModel):
    """Fields the guard reads are typed; any other field passes through as sent."""

    model_config = ConfigDict(extra="allow")


class ContentPart(Open):
    type: str
    text: str | None = None
    refusal: str | None = None


class FunctionCall(Open):
    arguments: str | None = None


class CustomToolCall(Open):
    input: str | None = None


class ToolCall(Open):
    function: FunctionCall | None = None
    custom: CustomToolCall | None = None


class ChatMessage(Open):
    role: Role
    name: str | None = None
    content: str | list[ContentPart] | None = Field(default=None, validate_default=True)
    tool_calls: list[ToolCall] | None = None
    function_call: FunctionCall | None = None
    refusal: str | None = None

    @field_validator("content")
    @classmethod
    def _content_for_role(cls, content: object, info: ValidationInfo) -> object:
        role = info.data.get("role")
        if content is None and role in NEEDS_CONTENT:
            raise ValueError(f"a '{role}' message needs content")
        return content


class ChatRequest(Open):
    model: str | None = None
    messages: list[ChatMessage] = Field(min_length=1)
    stream: StrictBool = False
    max_tokens: Count | None = None
    max_completion_tokens: Count | None = None
    n: Count | None = None
    tools: list[dict[str, Any]] | None = None
    functions: list[dict[str, Any]] | None = None


class ScanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = None
    messages: list[ChatMessage] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ScanRequest:
        if (self.text is None) == (self.messages is None):
            raise ValueError("give exactly one of 'text' or 'messages'")
        return self


def parse(model: type[BaseModel], body: Any) -> Any:
    """Validate ``body``, turning the first problem into an OpenAI-style 400 that names the parameter."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        param = ".".join(str(p) for p in err["loc"]) or None
        where = f" at '{param}'" if param else ""
        why = err["msg"].removeprefix("Value error, ")  # our own validators' words, without pydantic's label
        raise InvalidRequest(f"Invalid request{where}: {why}.", param=param) from None
