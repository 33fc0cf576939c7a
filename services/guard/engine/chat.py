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
- Text outside message content that the client writes and the model reads (``side_texts``): tool-call arguments
  and custom tool inputs, legacy ``function_call`` arguments, an assistant's ``refusal``, a message's ``name`` (the
  model reads it as the speaker's name; OpenAI limits it to 64 characters, but the gateway forwards it to any
  provider, which may not), every string of the ``tools`` / ``functions`` definitions (descriptions, parameter
  descriptions, enums...) and of a ``response_format`` JSON schema, and a ``prediction``'s content: PII/secrets
  and injection. Their findings carry ``path``, a JSON pointer to the string their offsets are into, and are
  redacted there.

Content: a string, or a list of parts of which every part with a ``text`` (or a ``refusal``) string is screened
(``image_url``, ``input_audio`` and ``file`` parts are not: the guard reads text only). For a multi-part message,
finding offsets are into those texts joined by "\\n". Each text is normalised (see ``normalize``) and
base64/hex/rot13/leetspeak spans are decoded for a second look (see ``decode``); ``screen_text`` and responses are
a single text with ``message_index`` None. A request whose screened fields have shapes the guard cannot read (a
``tool_calls`` that is not a list, arguments that are not a string...) raises ``UnscreenableRequest``: it is
refused, never forwarded unread.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import replace
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
SIDE_TEXT_CHECKS = frozenset({PII, INJECTION})
# In tool and function definitions every string is read, but for these keys' plain values: identifiers and JSON
# schema keywords, not text. (A property that happens to be called "name" or "format" is a dict and is read.)
_NOT_TEXT = frozenset({"name", "type", "format", "pattern", "required", "strict", "$ref", "$schema", "$id"})


class UnscreenableRequest(ValueError):
    """A field the guard screens has a shape it cannot read: refuse the request rather than forward it unread."""

    status = 400


class TooLongToScreen(UnscreenableRequest):
    """More text than the guard screens in one request (``GuardConfig.max_screened_chars``): refused, not forwarded
    unread, and not left to time out while it holds a guard thread for seconds."""

    status = 413


def _text_parts(content: Any) -> Iterator[tuple[int | None, str, str]]:
    """(part index or None for string content, key of the text in the part, text) for each screened text."""
    if isinstance(content, str):
        yield None, "", content
    elif isinstance(content, list):
        for i, part in enumerate(content):
            if not isinstance(part, dict):
                raise UnscreenableRequest(f"content part {i} is not an object")
            for key in ("text", "refusal"):
                if isinstance(part.get(key), str):
                    yield i, key, part[key]
    elif content is not None:
        raise UnscreenableRequest("message content is neither a string nor a list of parts")


def _pointer(*tokens: object) -> str:
    """JSON pointer (RFC 6901) from path tokens."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def _listed(value: Any, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise UnscreenableRequest(f"{what} is not a list")
    return value


def _object(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise UnscreenableRequest(f"{what} is not an object")
    return value


def _string(holder: dict, key: str, *path: object) -> Iterator[tuple[str, str]]:
    value = holder.get(key)
    if value is None:
        return
    if not isinstance(value, str):
        raise UnscreenableRequest(f"{_pointer(*path, key)} is not a string")
    if value:
        yield _pointer(*path, key), value


def _definition_strings(value: Any, *path: object) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        if value:
            yield _pointer(*path), value
    elif isinstance(value, dict):
        for key, inner in value.items():
            if not (key in _NOT_TEXT and not isinstance(inner, dict)):
                yield from _definition_strings(inner, *path, key)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _definition_strings(inner, *path, i)


def side_texts(body: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(JSON pointer, text) for each client-written text outside message content that the model reads."""
    for i, message in enumerate(body.get("messages") or []):
        if not isinstance(message, dict):
            continue
        for j, call in enumerate(_listed(message.get("tool_calls"), f"/messages/{i}/tool_calls")):
            call = _object(call, _pointer("messages", i, "tool_calls", j))
            if call.get("function") is not None:
                function = _object(call["function"], _pointer("messages", i, "tool_calls", j, "function"))
                yield from _string(function, "arguments", "messages", i, "tool_calls", j, "function")
            if call.get("custom") is not None:
                custom = _object(call["custom"], _pointer("messages", i, "tool_calls", j, "custom"))
                yield from _string(custom, "input", "messages", i, "tool_calls", j, "custom")
        if message.get("function_call") is not None:
            function = _object(message["function_call"], _pointer("messages", i, "function_call"))
            yield from _string(function, "arguments", "messages", i, "function_call")
        yield from _string(message, "refusal", "messages", i)
        yield from _string(message, "name", "messages", i)
    for field in ("tools", "functions"):
        for j, definition in enumerate(_listed(body.get(field), f"/{field}")):
            _object(definition, _pointer(field, j))
            yield from _definition_strings(definition, field, j)
    # A structured-output schema's descriptions and a predicted output are read by the model too.
    if body.get("response_format") is not None:
        response_format = _object(body["response_format"], "/response_format")
        if response_format.get("json_schema") is not None:
            yield from _definition_strings(_object(response_format["json_schema"], "/response_format/json_schema"),
                                           "response_format", "json_schema")
    if body.get("prediction") is not None:
        prediction = _object(body["prediction"], "/prediction")
        content = prediction.get("content")
        if isinstance(content, list):
            for k, part in enumerate(content):
                yield from _string(_object(part, _pointer("prediction", "content", k)), "text",
                                   "prediction", "content", k)
        else:
            yield from _string(prediction, "content", "prediction")


def make_item(text: str, checks: frozenset[str], message_index: int | None = None, offset: int = 0,
              role: str = "user", decode: bool = True, max_views: int = 4, path: str | None = None) -> ScreenItem:
    norm = normalize(text)
    views = tuple(decoded_views(norm, max_views)) if decode else ()
    return ScreenItem(norm, views, checks, message_index, offset, role, path)


def chat_items(body: dict[str, Any], decode: bool = True, max_views: int = 4,
               max_chars: int | None = None) -> list[ScreenItem]:
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise UnscreenableRequest("chat body has no messages list")
    texts: list[tuple[str, frozenset[str], int | None, int, str, str | None]] = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise UnscreenableRequest(f"message {index} is not an object")
        role = str(message.get("role", "user"))
        checks = SCREENING_RULES.get(role, UNKNOWN_ROLE)
        offset = 0
        for _, _, text in _text_parts(message.get("content")):
            if text:
                texts.append((text, checks, index, offset, role, None))
            offset += len(text) + 1
    definitions: dict[str, list[tuple[str, str]]] = {}  # "/tools/0" -> its strings (pointer, text)
    for path, text in side_texts(body):
        if path.startswith("/messages/"):
            texts.append((text, SIDE_TEXT_CHECKS, None, 0, "tool_call", path))
        else:
            # one text per tool or function definition ("/tools/0"), per schema, per prediction
            key = "/".join(path.split("/")[:3]) if path.startswith(("/tools/", "/functions/")) else path.split("/")[1]
            definitions.setdefault(key, []).append((path, text))
    check_length(sum(len(t[0]) for t in texts) + sum(len(t) for d in definitions.values() for _, t in d), max_chars)
    items = [make_item(text, checks, index, offset, role, decode, max_views, path)
             for text, checks, index, offset, role, path in texts]
    # A tool definition's strings are read as one text (its description, then its parameters'), not one by one:
    # an agent sends dozens of tools with every request, and each text costs a detector pass (30 tools of 6
    # strings: 44 ms one by one).
    for strings in definitions.values():
        parts, views, offset = [], [], 0
        for path, text in strings:
            parts.append((path, offset))
            # Decoded per string, so that an encoded span never runs across two strings and its finding (mapped
            # to the whole span) is redacted in the one string that holds it.
            if decode:
                views += [replace(v, start=v.start + offset, end=v.end + offset)
                          for v in decoded_views(normalize(text), max_views)]
            offset += len(text) + 1
        item = make_item("\n".join(t for _, t in strings), SIDE_TEXT_CHECKS, None, 0, "tool_definition", False)
        items.append(replace(item, views=tuple(views[:max_views]), parts=tuple(parts)))
    return items


def check_length(chars: int, max_chars: int | None) -> None:
    if max_chars is not None and chars > max_chars:
        raise TooLongToScreen(f"{chars:,} characters of text to screen, over this gateway's limit of {max_chars:,}")


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
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        if f.path is not None:
            by_path.setdefault(f.path, []).append(f)
        elif f.message_index is not None:
            by_message.setdefault(f.message_index, []).append(f)
    for index, found in by_message.items():
        message = redacted["messages"][index]
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = redact_text(content, found)
            continue
        offset = 0
        for part_index, key, text in list(_text_parts(content)):
            inside = [f for f in found if offset <= f.start < offset + len(text)]
            if inside:
                content[part_index][key] = redact_text(text, inside, base=offset)
            offset += len(text) + 1
    for path, found in by_path.items():
        *parents, last = [_unescape(t) for t in path.split("/")[1:]]
        holder: Any = redacted
        for token in parents:
            holder = holder[int(token)] if isinstance(holder, list) else holder[token]
        key: Any = int(last) if isinstance(holder, list) else last
        holder[key] = redact_text(holder[key], found)
    return redacted


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")
