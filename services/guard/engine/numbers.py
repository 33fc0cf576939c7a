"""Checksummed numbers Presidio's stock patterns miss: card ranges beyond its regex, and lower-case IBANs.

Presidio's credit-card regex covers the classic Visa/Mastercard/Amex/Discover/Diners/JCB shapes only; cards in
the Mastercard 2-series, Maestro, UnionPay, MIR, 15-digit JCB and 19-digit Visa are real and common. A candidate
counts when its issuer prefix (IIN) and length fit a known scheme and the Luhn checksum holds, so Luhn-invalid
numbers, order ids of the wrong shape, UUIDs and hashes do not.
"""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult

# Not inside a longer run of digits or letters: 14 digits of a git hash are Luhn-valid 1 time in 10.
_CANDIDATE = re.compile(r"(?<![\dA-Za-z-])\d(?:[ -]?\d){11,18}(?![\dA-Za-z-])")
# How cards are written: one run, groups of four (the last shorter), or Amex/Diners' 4-6-5 and 4-6-4. An order id
# grouped 3-7-7 is not a card, even when its 17 digits pass Luhn.
_CARD_GROUPING = re.compile(r"\d+|\d{4}([ -])\d{4}(?:\1\d{4})*\1\d{1,4}|\d{4}([ -])\d{6}\2\d{4,5}")
# (prefix range low, high, allowed lengths)
_IIN: tuple[tuple[int, int, tuple[int, ...]], ...] = (
    (4, 4, (13, 16, 19)),  # Visa
    (51, 55, (16,)), (2221, 2720, (16,)),  # Mastercard
    (34, 34, (15,)), (37, 37, (15,)),  # Amex
    (6011, 6011, (16, 19)), (644, 649, (16, 19)), (65, 65, (16, 19)),  # Discover
    (3528, 3589, (16, 17, 18, 19)), (2131, 2131, (15,)), (1800, 1800, (15,)),  # JCB
    (300, 305, (14, 16, 19)), (36, 36, (14, 16, 19)), (38, 39, (16, 19)),  # Diners
    (50, 50, tuple(range(12, 20))), (56, 69, tuple(range(12, 20))),  # Maestro (overlaps the above; fine)
    (62, 62, (16, 17, 18, 19)),  # UnionPay
    (2200, 2204, (16, 17, 18, 19)),  # MIR
)
_IBAN = re.compile(r"\b[a-z]{2}\d{2}(?:[ ]?[a-z0-9]{4}){2,7}(?:[ ]?[a-z0-9]{1,4})?\b", re.ASCII)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def known_scheme(digits: str) -> bool:
    for low, high, lengths in _IIN:
        prefix = int(digits[: len(str(low))])
        if low <= prefix <= high and len(digits) in lengths:
            return True
    return False


def iban_ok(candidate: str) -> bool:
    s = candidate.replace(" ", "").upper()
    if not 15 <= len(s) <= 34:
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


class ChecksumNumberRecognizer(LocalRecognizer):
    def __init__(self) -> None:
        super().__init__(supported_entities=["CREDIT_CARD", "IBAN_CODE"], name="ChecksumNumberRecognizer",
                         supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        out: list[RecognizerResult] = []
        if not entities or "CREDIT_CARD" in entities:
            for m in _CANDIDATE.finditer(text):
                digits = re.sub(r"[ -]", "", m.group())
                if _CARD_GROUPING.fullmatch(m.group()) and known_scheme(digits) and luhn_ok(digits):
                    out.append(self._result("CREDIT_CARD", m.start(), m.end(), 0.9))
        if not entities or "IBAN_CODE" in entities:
            for m in _IBAN.finditer(text):  # Presidio's IBAN recognizer wants upper case
                if iban_ok(m.group()):
                    out.append(self._result("IBAN_CODE", m.start(), m.end(), 0.9))
        return out

    def _result(self, entity: str, start: int, end: int, score: float) -> RecognizerResult:
        why = AnalysisExplanation(recognizer=self.name, original_score=score, pattern_name=entity.lower())
        return RecognizerResult(entity, start, end, score, analysis_explanation=why)
