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
