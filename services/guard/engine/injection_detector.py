"""Prompt-injection detector: the learned classifier (``injection.InjectionClassifier``) behind the Detector API.

Every text whose rules include injection is scored, with each decoded view (the classifier itself reads long
texts in overlapping token windows and answers with the highest). One ``PROMPT_INJECTION`` finding per text at
or above threshold covers the text (or, for a decoded view, the encoded span).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from libs.common.messages import Finding
from services.guard.engine.config import GuardConfig
from services.guard.engine.detector import INJECTION, Detection, ScreenItem, threshold_risk
from services.guard.engine.memo import Memo
from services.guard.engine.normalize import WORD_PARTS, english_words

OPERATOR_ROLES = frozenset({"system", "developer"})

# Keys, tokens and digests pasted into a prompt ("use sk-ant-api03-... to log in") read to the classifier like the
# gibberish of an adversarial suffix: 11 of 260 short prompts carrying a generated credential scored as attacks, 0
# with such runs read as "KEY" (the 7 dev attacks and 6 benign dev texts that hold one scored the same either way).
# A run of 24 or more letters, digits, "_" and "-", with letters and digits, is masked unless its letters are mostly
# words run together: "IgnoreAllPreviousInstructions2" is read as it is written.
_TOKEN = re.compile(r"(?<![A-Za-z0-9_\-/+=])[A-Za-z0-9_\-]{24,}(?![A-Za-z0-9_\-/+=])")  # one pass: 0.25 ms/10k chars


def mask_tokens(text: str) -> str:
    """``text`` with its generated-looking tokens replaced by "KEY" (what the classifier reads)."""
    return _TOKEN.sub(_masked, text)


def _masked(token: re.Match[str]) -> str:
    run = token.group()
    generated = any(c.isdigit() for c in run) and any(c.isalpha() for c in run) and not _words(run)
    return "KEY" if generated else run


def _words(token: str) -> bool:
    letters = sum(c.isalpha() for c in token)
    in_words = sum(len(run) for run in WORD_PARTS.findall(token) if run.lower() in english_words())
    return in_words >= letters / 2


class InjectionScorer(Protocol):
    def score(self, texts: list[str]) -> list[float]: ...


class InjectionDetector:
    name = INJECTION

    def __init__(self, classifier: InjectionScorer, threshold: float, system_threshold: float | None = None,
                 cache_texts: int = 0) -> None:
        self.classifier = classifier
        self._scores: Memo[float] = Memo(cache_texts)
        self.threshold = threshold
        # System/developer messages are the operator's own instructions, which the classifier (trained on what
        # users send) reads as instruction-like: only a near-certain score counts there. See chat.SCREENING_RULES.
        self.system_threshold = max(threshold, system_threshold) if system_threshold is not None else threshold

    @classmethod
    def build(cls, config: GuardConfig) -> InjectionDetector:
        # Imported here: the classifier module and its onnx weights are optional until they are shipped.
        from services.guard.engine import injection

        gate = None
        if config.prefilter:
            from services.guard.engine.prefilter import Prefilter

            gate = Prefilter.load(config.prefilter_model_path).injection
        nonlatin = None
        if config.nonlatin:
            from services.guard.engine.nonlatin import NonLatinModel

            nonlatin = NonLatinModel.load(config.nonlatin_model_path)
        threshold = config.injection_threshold if config.injection_threshold is not None else injection.THRESHOLD
        classifier = injection.InjectionClassifier.load(
            config.injection_model_path, gate=gate, max_model_windows=config.model_windows, threshold=threshold,
            nonlatin=nonlatin)
        return cls(classifier, float(threshold), config.system_injection_threshold, config.cache_texts)

    def detect(self, items: Sequence[ScreenItem]) -> Detection:
        texts: list[tuple[str, str]] = []  # (scope, text)
        owners: list[tuple[int, ScreenItem, object, int, int]] = []
        for n, item in enumerate(items):
            if INJECTION not in item.checks:
                continue
            for view in item.all_views():
                text = item.view_text(view)
                if text.strip():
                    texts.append((item.scope, mask_tokens(text)))
                    owners.append((n, item, view, 0, len(text)))
        if not texts:
            return Detection(scores={"injection": 0.0})
        scores = [float(x) for x in self._scores.get_many(texts, self.classifier.score)]
        bars = [self._bar(item) for _, item, _, _, _ in owners]
        best = max(scores)
        # The riskiest text relative to its own bar decides the risk (a system prompt's 0.99 is not a user's 0.99).
        # Under its bar a text stays under 5 even after rounding (0.9988 against 0.999 would round up to 5.0).
        risk = max(threshold_risk(score, bar) if score >= bar else min(threshold_risk(score, bar), 4.99)
                   for score, bar in zip(scores, bars, strict=True))
        spans: dict[int, tuple[int, int, float]] = {}  # per item: the union of its flagged views, best score
        for score, bar, (n, item, view, s, e) in zip(scores, bars, owners, strict=True):
            if score < bar:
                continue
            start, end = item.finding_span(view, s, e)
            if n in spans:
                prev = spans[n]
                start, end, score = min(start, prev[0]), max(end, prev[1]), max(score, prev[2])
            spans[n] = (start, end, score)
        findings: dict[int, Finding] = {}
        for n, (start, end, score) in spans.items():
            item = items[n]
            start, end, path = item.locate(start, end)
            findings[n] = Finding(
                type="PROMPT_INJECTION", category="prompt_injection", start=start, end=end,
                score=round(min(max(score, 0.0), 1.0), 4), message_index=item.message_index, path=path,
            )
        top = max(findings, key=lambda n: findings[n].score, default=None)
        note = f"P(injection)={findings[top].score:.3f} >= {self._bar(items[top]):g}" if top is not None else None
        return Detection(
            findings=list(findings.values()), scores={"injection": round(best, 4)},
            risks={"prompt_injection": round(risk, 2)}, notes={"prompt_injection": note} if note else {},
        )

    def _bar(self, item: ScreenItem) -> float:
        return self.system_threshold if item.role in OPERATOR_ROLES else self.threshold
