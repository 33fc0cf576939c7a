"""Typed messages exchanged over NATS. Every message carries the request id it belongs to."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

# "off": the category is not screened at all for this key (its detector does not run when nothing else needs it).
Action = Literal["block", "redact", "log", "off"]
Category = Literal["prompt_injection", "pii", "secret", "policy"]
CATEGORIES: tuple[Category, ...] = ("prompt_injection", "pii", "secret", "policy")


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class Message(BaseModel):
    # Unknown fields are ignored so that a newer sender does not break an older receiver during a rollout.
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- keys -----------------------------------------------------------------------------------------------------


class KeyProfile(Message):
    """How the guard treats a key's traffic."""

    actions: dict[Category, Action] = Field(
        default_factory=lambda: {c: "block" for c in CATEGORIES},
        description="What happens when a category is detected: block (400), redact (mask, forward), log, or "
        "off (not screened).",
    )
    risk_threshold: float = Field(5.0, ge=0, le=10, description="Risk score (0-10) at or above which to act.")
    fail_open: bool = Field(False, description="Forward unscreened when screening cannot finish (not advised).")
    rpm_limit: int | None = Field(None, ge=1, description="Requests per minute across all ingress instances.")

    def action(self, category: Category) -> Action:
        return self.actions.get(category, "block")

    @property
    def screening_off(self) -> bool:
        """Every category off: the guard forwards without running a detector (trusted traffic, benchmarks)."""
        return all(self.action(c) == "off" for c in CATEGORIES)


class KeyRecord(Message):
    """A gateway key as every ingress and router caches it. Holds no plaintext secret."""

    id: str
    key_hash: str = Field(description="SHA-256 hex of the plaintext gateway key.")
    prefix: str = Field(description="Display form: the first characters and the last four.")
    name: str
    tenant: str = "default"
    provider: str
    model: str
    allowed_models: list[str] = Field(default_factory=list)
    api_base: str | None = None
    provider_key_ciphertext: str | None = Field(None, description="AES-GCM sealed provider key (only router opens).")
    profile: KeyProfile = Field(default_factory=KeyProfile)
    revoked: bool = False
    expires_at: datetime | None = None
    # A rotated key stays valid until this instant, then stops.
    grace_until: datetime | None = None
    revision: int = 0

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        if self.revoked:
            return False
        if self.expires_at is not None and now >= self.expires_at:
            return False
        if self.grace_until is not None and now >= self.grace_until:
            return False
        return True

    def allows(self, model: str) -> bool:
        return model == self.model or model in self.allowed_models


class KeyChanged(Message):
    key_id: str
    action: Literal["created", "updated", "revoked", "rotated", "deleted"]
    revision: int
    at: datetime = Field(default_factory=utcnow)


class PolicyChanged(Message):
    policy_id: str
    action: Literal["upserted", "deleted"]
    at: datetime = Field(default_factory=utcnow)


# --- screening --------------------------------------------------------------------------------------------------


class Finding(Message):
    """One thing a detector found. Offsets are into the original text of message ``message_index`` or, for text
    outside message content (tool-call arguments, tool definitions), of the string at ``path``."""

    type: str = Field(description="Entity or detector type, e.g. CREDIT_CARD, API_KEY, PROMPT_INJECTION, HR-1.")
    category: Category
    start: int
    end: int
    score: float = Field(ge=0, le=1)
    rule: str | None = None
    message_index: int | None = None
    path: str | None = Field(None, description="JSON pointer into the request body: /tools/0/function/description")


class SecurityAssessment(Message):
    is_safe: bool
    violated_rule: str | None = None
    reason: str = ""
    risk_score: float = Field(0, ge=0, le=10)
    findings: list[Finding] = Field(default_factory=list)


class ScreenChat(Message):
    """ingress -> guard: screen this chat request, then forward it to the router or answer Blocked."""

    request_id: str
    key_id: str
    tenant: str
    model: str
    body: dict[str, Any] = Field(description="The OpenAI chat request as the client sent it (model resolved).")
    stream: bool = False
    profile: KeyProfile = Field(default_factory=KeyProfile)


class RouteChat(Message):
    """guard -> router: a screened (possibly redacted) request to send upstream."""

    request_id: str
    key_id: str
    tenant: str
    model: str
    body: dict[str, Any]
    stream: bool = False
    assessment: SecurityAssessment


class ScanText(Message):
    """ingress -> guard (request-reply): assess a text or a messages array without forwarding anything."""

    request_id: str
    key_id: str
    text: str | None = None
    messages: list[dict[str, Any]] | None = None
    profile: KeyProfile = Field(default_factory=KeyProfile)


class ScreenResponse(Message):
    """router -> guard (request-reply): check a provider's answer (each choice's text) for leaked PII and secrets."""

    request_id: str
    key_id: str
    texts: list[str]
    profile: KeyProfile = Field(default_factory=KeyProfile)


class ResponseVerdict(Message):
    """guard -> router: return the answer (``texts``, redacted where the profile says so) or withhold it."""

    request_id: str
    forward: bool
    assessment: SecurityAssessment
    texts: list[str] | None = None
    failed_detector: str | None = None


# --- replies on the ingress inbox ---------------------------------------------------------------------------------


class ErrorInfo(Message):
    status: int
    message: str
    type: str = "api_error"
    code: str | None = None


class Accepted(Message):
    """router -> ingress: a router has taken the request, so screening finished and a worker is on it."""

    kind: Literal["accepted"] = "accepted"
    request_id: str


class Completed(Message):
    kind: Literal["completed"] = "completed"
    request_id: str
    response: dict[str, Any] = Field(description="An OpenAI chat.completion object.")


class Blocked(Message):
    kind: Literal["blocked"] = "blocked"
    request_id: str
    assessment: SecurityAssessment
    # "response": the request passed, but the provider's answer leaked something and was withheld.
    stage: Literal["request", "response"] = "request"


class Failed(Message):
    kind: Literal["failed"] = "failed"
    request_id: str
    error: ErrorInfo


class StreamChunk(Message):
    kind: Literal["chunk"] = "chunk"
    request_id: str
    seq: int
    chunk: dict[str, Any] = Field(description="An OpenAI chat.completion.chunk object.")


class StreamEnd(Message):
    """Always the last message of a stream; ``error`` is set when the stream broke off upstream."""

    kind: Literal["end"] = "end"
    request_id: str
    seq: int
    error: ErrorInfo | None = None


ChatReply = Annotated[Completed | Blocked | Failed, Field(discriminator="kind")]
InboxMessage = Annotated[
    Accepted | Completed | Blocked | Failed | StreamChunk | StreamEnd, Field(discriminator="kind")
]
inbox_message = TypeAdapter(InboxMessage)


# --- audit --------------------------------------------------------------------------------------------------------


class Usage(Message):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float | None = None


class AuditEvent(Message):
    """One decision or outcome. Never holds a raw key or an unredacted prompt."""

    event_id: str = Field(default_factory=new_id)
    request_id: str
    at: datetime = Field(default_factory=utcnow)
    service: Literal["ingress", "guard", "router", "control"]
    kind: str = Field(description="screened | blocked | completed | failed | key.created | key.revoked ...")
    key_id: str | None = None
    tenant: str | None = None
    model: str | None = None
    status: int | None = None
    decision: Literal["allowed", "blocked", "redacted", "logged", "error"] | None = None
    assessment: SecurityAssessment | None = None
    usage: Usage | None = None
    latency_ms: float | None = None
    detail: str | None = None
