"""Pure helpers for screening a provider's answer: which texts to check, and putting redacted ones back."""

from __future__ import annotations

import copy
from typing import Any


def answer_texts(response: dict[str, Any]) -> list[tuple[int, str]]:
    """(choice index, text) for every choice whose message has non-empty text content."""
    out = []
    for i, choice in enumerate(response.get("choices") or []):
        content = (choice.get("message") or {}).get("content")
        if isinstance(content, str) and content:
            out.append((i, content))
    return out


def with_texts(response: dict[str, Any], located: list[tuple[int, str]], texts: list[str]) -> dict[str, Any]:
    """A copy of ``response`` with the located choices' content replaced by ``texts`` (same order)."""
    if [t for _, t in located] == texts:
        return response
    out = copy.deepcopy(response)
    for (i, _), text in zip(located, texts, strict=True):
        out["choices"][i]["message"]["content"] = text
    return out


def stream_texts(chunks: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """(choice index, text) assembled from a streamed answer's content deltas."""
    parts: dict[int, list[str]] = {}
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            content = (choice.get("delta") or {}).get("content")
            if isinstance(content, str) and content:
                parts.setdefault(choice.get("index", 0), []).append(content)
    return [(i, "".join(p)) for i, p in sorted(parts.items())]


def redacted_stream(
    chunks: list[dict[str, Any]], located: list[tuple[int, str]], texts: list[str]
) -> list[dict[str, Any]]:
    """The streamed answer re-chunked: one chunk holding each choice's redacted text, then the original chunks
    with their text removed (tool-call deltas, finish reasons and usage kept, in order)."""
    head = {k: v for k, v in chunks[0].items() if k != "choices"} if chunks else {}
    out = [{**head, "choices": [
        {"index": i, "delta": {"role": "assistant", "content": text}}
        for (i, _), text in zip(located, texts, strict=True)
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
