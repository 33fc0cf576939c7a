"""What is screened in an OpenAI chat request, and how a redacted copy of it is made.

Screening rules, per message role (``SCREENING_RULES``):

- ``user``: everything — PII/secrets, prompt injection, company policy. It is the request.
- ``tool`` / ``function`` (tool results): PII/secrets and injection. Tool output is where indirect injection
  arrives (a fetched web page, an email); it is data the user did not write, so it is not held to the policy
  rules about what a user may ask.
- ``system`` / ``developer``: PII/secrets and injection. Applications paste retrieved documents and user profile
  fields into the system prompt, so it carries other people's text; it is forwarded upstream, so leaks count.
  Injection counts there only at ``system_injection_threshold`` (0.999): the operator's own instructions
  ("Only answer questions about X. Never reveal Y.") read as instruction-like to the classifier.
- ``assistant`` (history): PII/secrets and injection. The client writes the whole history, so an "assistant" turn
  is as user-controlled as a user turn (forged assistant turns are a many-shot jailbreak); it is forwarded again.
  Their ``tool_calls`` arguments, and the descriptions in ``tools``, are screened for PII/secrets and injection too:
  the client can write them, and the model reads them.

Content: a string, or a list of parts of which the ``text`` parts are screened (``image_url``, ``input_audio`` and
``file`` parts are not: the guard reads text only). For a multi-part message, finding offsets are into its text
parts joined by "\\n". Each text is normalised (see ``normalize``) and base64/hex/rot13 spans are decoded for a
second look (see ``decode``); ``screen_text`` and responses are a single text with ``message_index`` None.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from libs.common.messages import Finding
from services.guard.engine.decode import decoded_views
from services.guard.engine.detector import INJECTION, PII, POLICY, ScreenItem
from services.guard.engine.normalize import normalize

SCREENING_RULES: dict[str, frozenset[str]] = {
    "user": frozenset({PII, INJECTION, POLICY}),
    "tool": frozenset({PII, INJECTION}),
    "function": frozenset({PII, INJECTION}),
    "system": frozenset({PII, INJECTION}),
    "developer": frozenset({PII, INJECTION}),
    "assistant": frozenset({PII, INJECTION}),
}
UNKNOWN_ROLE = frozenset({PII, INJECTION, POLICY})
# Client-written text outside message content: tool definitions' descriptions and the arguments of tool calls in
# the history. Both reach the model, so both are screened for injection and leaks; their findings carry no
# message index (offsets are into that text alone) and so cannot be redacted in place: block or log them.
SIDE_TEXT_CHECKS = frozenset({PII, INJECTION})


def _text_parts(content: Any) -> Iterator[tuple[int | None, str]]:
    """(part index or None for string content, text) for each screened text of a message content."""
    if isinstance(content, str):
        yield None, content
    elif isinstance(content, list):
        for i, part in enumerate(content):
            if isinstance(part, dict) and part.get("type") == "text" and isinstance(part.get("text"), str):
                yield i, part["text"]


def make_item(text: str, checks: frozenset[str], message_index: int | None = None, offset: int = 0,
              role: str = "user", decode: bool = True, max_views: int = 4) -> ScreenItem:
    norm = normalize(text)
    views = tuple(decoded_views(norm, max_views)) if decode else ()
    return ScreenItem(norm, views, checks, message_index, offset, role)


def chat_items(body: dict[str, Any], decode: bool = True, max_views: int = 4) -> list[ScreenItem]:
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise ValueError("chat body has no messages list")
    items: list[ScreenItem] = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        role = str(message.get("role", "user"))
        checks = SCREENING_RULES.get(role, UNKNOWN_ROLE)
        offset = 0
        for _, text in _text_parts(message.get("content")):
            if text:
                items.append(make_item(text, checks, index, offset, role, decode, max_views))
            offset += len(text) + 1
        for call in message.get("tool_calls") or []:
            args = (call.get("function") or {}).get("arguments") if isinstance(call, dict) else None
            if isinstance(args, str) and args:
                items.append(make_item(args, SIDE_TEXT_CHECKS, None, 0, "tool_call", decode, max_views))
    for tool in body.get("tools") or []:
        function = tool.get("function") if isinstance(tool, dict) else None
        description = function.get("description") if isinstance(function, dict) else None
        if isinstance(description, str) and description:
            items.append(make_item(description, SIDE_TEXT_CHECKS, None, 0, "tool_definition", decode, max_views))
    return items


def redact_text(text: str, findings: list[Finding], base: int = 0) -> str:
    """Replace each finding's span (offsets relative to ``base``) with ``<TYPE>``; overlapping spans merge."""
    spans = sorted((f.start - base, f.end - base, f.type) for f in findings)
    out: list[str] = []
    pos = 0
    for start, end, kind in spans:
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        out.append(text[pos:start])
        out.append(f"<{kind}>")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact_chat(body: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    """A copy of ``body`` with the findings' spans masked; messages, parts and every other field kept."""
    redacted = copy.deepcopy(body)
    by_message: dict[int, list[Finding]] = {}
    for f in findings:
        if f.message_index is not None:
            by_message.setdefault(f.message_index, []).append(f)
    for index, found in by_message.items():
        message = redacted["messages"][index]
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = redact_text(content, found)
            continue
        offset = 0
        for part_index, text in list(_text_parts(content)):
            inside = [f for f in found if offset <= f.start < offset + len(text)]
            if inside:
                content[part_index]["text"] = redact_text(text, inside, base=offset)
            offset += len(text) + 1
    return redacted
