"""Pure helpers for screening a provider's answer: which texts to check, and putting redacted ones back.

Every text-bearing field of an answer is screened: message content, refusal and reasoning text, and the
arguments of tool and function calls (a model can leak through those as well as through its prose).
"""

from __future__ import annotations

import copy
from typing import Any

# Where a text sits in an answer: (choice position, field, tool-call position or None).
Locator = tuple[int, str, int | None]
TEXT_FIELDS = ("content", "refusal", "reasoning_content")


def answer_texts(response: dict[str, Any]) -> list[tuple[Locator, str]]:
    """Every non-empty text of a (non-streamed) answer, with where it sits."""
    out: list[tuple[Locator, str]] = []
    for i, choice in enumerate(response.get("choices") or []):
        message = choice.get("message") or {}
        for field in TEXT_FIELDS:
            if isinstance(value := message.get(field), str) and value:
                out.append(((i, field, None), value))
        for j, call in enumerate(message.get("tool_calls") or []):
            if isinstance(args := (call.get("function") or {}).get("arguments"), str) and args:
                out.append(((i, "tool_calls", j), args))
        if isinstance(args := (message.get("function_call") or {}).get("arguments"), str) and args:
            out.append(((i, "function_call", None), args))
    return out


def with_texts(response: dict[str, Any], located: list[tuple[Locator, str]], texts: list[str]) -> dict[str, Any]:
    """A copy of ``response`` with the located texts replaced by ``texts`` (same order); the original if equal."""
    if [t for _, t in located] == texts:
        return response
    out = copy.deepcopy(response)
    for ((i, field, j), _), text in zip(located, texts, strict=True):
        message = out["choices"][i]["message"]
        if field == "tool_calls":
            message["tool_calls"][j]["function"]["arguments"] = text
        elif field == "function_call":
            message["function_call"]["arguments"] = text
        else:
            message[field] = text
    return out


def stream_texts(chunks: list[dict[str, Any]]) -> list[tuple[Locator, str]]:
    """Every text of a streamed answer, assembled from its deltas: content first, then tool-call arguments."""
    parts: dict[Locator, list[str]] = {}
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            i, delta = choice.get("index", 0), choice.get("delta") or {}
            for field in TEXT_FIELDS:
                if isinstance(value := delta.get(field), str) and value:
                    parts.setdefault((i, field, None), []).append(value)
            for call in delta.get("tool_calls") or []:
                if isinstance(args := (call.get("function") or {}).get("arguments"), str) and args:
                    parts.setdefault((i, "tool_calls", call.get("index", 0)), []).append(args)
    return [(loc, "".join(p)) for loc, p in sorted(parts.items(), key=lambda kv: (kv[0][0], kv[0][1] != "content"))]


def redacted_stream(
    chunks: list[dict[str, Any]], located: list[tuple[Locator, str]], texts: list[str]
) -> list[dict[str, Any]] | None:
    """The streamed answer re-chunked: one chunk holding each choice's redacted content, then the original chunks
    with their content removed (tool-call deltas, finish reasons and usage kept, in order). None when a
    redaction falls outside message content (tool-call arguments cannot be re-chunked safely: withhold)."""
    changed = [loc for (loc, old), new in zip(located, texts, strict=True) if old != new]
    if any(field != "content" for _, field, _ in changed):
        return None
    head = {k: v for k, v in chunks[0].items() if k != "choices"} if chunks else {}
    out = [{**head, "choices": [
        {"index": i, "delta": {"role": "assistant", "content": text}}
        for ((i, field, _), _), text in zip(located, texts, strict=True) if field == "content"
    ]}]
    for chunk in chunks:
        choices = []
        for choice in chunk.get("choices") or []:
            delta = {k: v for k, v in (choice.get("delta") or {}).items() if k != "content"}
            if delta.keys() - {"role"} or choice.get("finish_reason"):
                choices.append({**choice, "delta": delta})
        if choices or chunk.get("usage"):
            out.append({**chunk, "choices": choices})
    return out
