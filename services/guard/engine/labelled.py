"""Identity documents by their label: "my driver's license number is F162823540116", "Passport No: X12345678".

A licence or passport number is letters and digits of no fixed shape (each US state has its own), so only the label
says what it is: Presidio's US licence recognizer matches most words of 8 letters and leans on context words, and
it is not enabled here. What follows one of these labels within a few characters, 5 to 20 letters, digits and
dashes with at least 4 digits, is the document's number (pii_dev: 5 of 5 licences, none found before).
"""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult

# Where a label can start, found with str.find in three spellings: a case-insensitive regex tried at every position
# cost 0.4 ms per 10,000 characters, lower-casing the text 0.7 ms.
_STARTS = ("licen", "Licen", "LICEN", "passport", "Passport", "PASSPORT", "DL")
_LABEL = re.compile(r"(?P<licence>licen[cs]e\b|DL\b)|passport\b", re.IGNORECASE)
_DRIVER_BEFORE = re.compile(r"\b(?:driver'?s?|driving)\s+$", re.IGNORECASE)
_NUMBER_AFTER = re.compile(
    r"(?:\s+(?:number|no\.?|num|#))?\s*(?:is\s+|[:#=]\s*)?(?P<value>[A-Z0-9][A-Z0-9-]{3,18}[A-Z0-9])(?![\w-])",
    re.IGNORECASE,
)
_SCORE = 0.85  # over a phone number boosted by "number" (0.75): "license number is 2270-66-1551" is a licence


class LabelledIdRecognizer(EntityRecognizer):
    def __init__(self) -> None:
        super().__init__(supported_entities=["US_DRIVER_LICENSE", "US_PASSPORT"], name="LabelledIdRecognizer",
                         supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        results = []
        for start in _STARTS:
            at = text.find(start)
            while at >= 0:
                label = None if at and text[at - 1].isalnum() else _LABEL.match(text, at)
                kind = _kind(text, label) if label else None
                if kind:
                    results += self._number(text, label.end(), kind)
                at = text.find(start, at + 1)
        return results

    @staticmethod
    def _number(text: str, after: int, kind: str) -> list[RecognizerResult]:
        m = _NUMBER_AFTER.match(text, after)
        if m is None or sum(c.isdigit() for c in m.group("value")) < 4:
            return []
        return [RecognizerResult(kind, m.start("value"), m.end("value"), _SCORE)]


def _kind(text: str, label: re.Match[str]) -> str | None:
    if label.group("licence") is None:
        return "US_PASSPORT"
    if label.group() == "DL" or _DRIVER_BEFORE.search(text, max(0, label.start() - 12), label.start()):
        return "US_DRIVER_LICENSE"
    return None  # "MIT license", "License, Version 2.0"
