"""The one interface every detector implements, and what it is given and returns."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from libs.common.messages import Category, Finding
from services.guard.engine.decode import DecodedView
from services.guard.engine.normalize import NormalizedText

# Detector names, as enabled in GuardConfig.detectors and as a ScreenItem's checks.
PII, INJECTION, POLICY, EXFILTRATION = "pii", "injection", "policy", "exfiltration"
# The profile categories each detector serves; a detector whose categories are all "off" does not run.
DETECTOR_CATEGORIES: dict[str, tuple[Category, ...]] = {
    PII: ("pii", "secret"), INJECTION: ("prompt_injection",), POLICY: ("policy",),
    EXFILTRATION: ("prompt_injection",),
}


@dataclass(frozen=True)
class ScreenItem:
    """One screened text: a string content, or one text part of a multi-part content.

    ``offset`` is where it starts in its message's screened text (the text parts joined by "\\n"), so a finding's
    offsets are into that text; ``checks`` names the detectors that look at it (see ``chat.SCREENING_RULES``).
    A text outside message content has no message index but a ``path``: the JSON pointer of its string in the
    request body (``chat.side_texts``). A tool definition's strings are screened as one text joined by "\\n";
    ``parts`` then holds each string's pointer and offset, and :meth:`locate` maps a span back to one of them.
    ``scope`` is whose request it is (the gateway key id): detectors keep results per text within a scope
    (``memo``).
    """

    norm: NormalizedText
    views: tuple[DecodedView, ...] = ()
    checks: frozenset[str] = frozenset({PII, INJECTION, POLICY})
    message_index: int | None = None
    offset: int = 0
    role: str = "user"
    path: str | None = None
    parts: tuple[tuple[str, int], ...] = ()
    scope: str = ""

    def all_views(self) -> tuple[NormalizedText | DecodedView, ...]:
        return (self.norm, *self.views)

    def finding_span(self, view: NormalizedText | DecodedView, start: int, end: int) -> tuple[int, int]:
        s, e = view.to_original(start, end)
        return s + self.offset, e + self.offset

    def locate(self, start: int, end: int) -> tuple[int, int, str | None]:
        """(start, end, path) of a span of this text: for joined strings, in the string where it starts."""
        if not self.parts:
            return start, end, self.path
        k = max(bisect.bisect_right([offset for _, offset in self.parts], start) - 1, 0)
        path, offset = self.parts[k]
        stop = self.parts[k + 1][1] - 1 if k + 1 < len(self.parts) else len(self.norm.original)
        return start - offset, max(min(end, stop), start) - offset, path

    @staticmethod
    def view_text(view: NormalizedText | DecodedView) -> str:
        return view.text if isinstance(view, NormalizedText) else view.text.text


@dataclass(frozen=True)
class Detection:
    """A detector's answer. ``risks`` is per category on the 0-10 scale where 5 means "at the detector's
    threshold"; ``scores`` are the raw 0-1 scores reported to callers (``{"injection": 0.93}``)."""

    findings: list[Finding] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    risks: dict[Category, float] = field(default_factory=dict)
    notes: dict[Category, str] = field(default_factory=dict)


class Detector(Protocol):
    name: str

    def detect(self, items: Sequence[ScreenItem]) -> Detection:
        """Look at the items whose ``checks`` name this detector. Synchronous and CPU-bound; may raise."""
        ...


# Long texts are scored in overlapping windows: the models read a bounded number of tokens.
WINDOW = 1200
STRIDE = 1000


def windows(text: str) -> list[tuple[int, int]]:
    if len(text) <= WINDOW:
        return [(0, len(text))]
    return [(s, min(s + WINDOW, len(text))) for s in range(0, len(text) - (WINDOW - STRIDE), STRIDE)]


def threshold_risk(score: float, threshold: float) -> float:
    """Map a 0-1 score to 0-10 so that the detector's own threshold lands on 5 (piecewise linear)."""
    score = min(max(score, 0.0), 1.0)
    if score >= threshold:
        return 5.0 + 5.0 * (score - threshold) / max(1.0 - threshold, 1e-9)
    return 5.0 * score / max(threshold, 1e-9)
