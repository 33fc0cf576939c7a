"""Checksummed numbers Presidio's stock patterns miss: card ranges beyond its regex, and IBANs in lower case or with
letters where Presidio's per-country patterns want digits.

Presidio's credit-card regex covers the classic Visa/Mastercard/Amex/Discover/Diners/JCB shapes only; cards in
the Mastercard 2-series, Maestro, UnionPay, MIR, 15-digit JCB and 19-digit Visa are real and common. A candidate
counts when its issuer prefix (IIN) and length fit a known scheme and the Luhn checksum holds, so Luhn-invalid
numbers, order ids of the wrong shape, UUIDs and hashes do not.
"""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult

# Not inside a longer run of digits or letters: 14 digits of a git hash are Luhn-valid 1 time in 10. Groups may be
# two spaces apart, a card copied out of a PDF ("4111  1111  1111  1111": none of 43 such was found), and one
# separator throughout, so the expiry after it is left out ("4293  5575  9183  6231 07/25"). 12 digits at least,
# checked first: every shorter number a candidate made detection of a 10,000-character prompt 1 ms slower.
_CANDIDATE = re.compile(
    r"(?<![\dA-Za-z-])(?=\d(?:(?:-| {1,2})?\d){11})\d{1,19}(?:(-| {1,2})\d{1,19}(?:\1\d{1,19}){0,17})?(?![\dA-Za-z-])"
)
# How cards are written: one run, groups of four (the last shorter), or Amex/Diners' 4-6-5 and 4-6-4. An order id
# grouped 3-7-7 is not a card, even when its 17 digits pass Luhn.
_CARD_GROUPING = re.compile(r"\d+|\d{4}(-| {1,2})\d{4}(?:\1\d{4})*\1\d{1,4}|\d{4}(-| {1,2})\d{6}\2\d{4,5}")
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
# Either case: Presidio's IBAN recognizer wants upper case, and its per-country patterns want digits where SWIFT's
# registry allows letters (AZ, JO, PK) and letters where it allows digits (DO's bank code).
_IBAN = re.compile(r"\b[a-zA-Z]{2}\d{2}(?:[ -]?[a-zA-Z0-9]{4}){2,7}(?:[ -]?[a-zA-Z0-9]{1,4})?\b", re.ASCII)


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


def in_card_run(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies in a run of 13-19 digits grouped as cards are: a card number, Luhn-valid or
    not, is no phone number, nor is one of its groups ("5149 5806 1685 5363" gave the phone "1685")."""
    for m in _CANDIDATE.finditer(text, max(0, start - 40), end + 40):
        if m.start() <= start and end <= m.end():
            return _CARD_GROUPING.fullmatch(m.group()) is not None and sum(c.isdigit() for c in m.group()) >= 13
    return False


def iban_ok(candidate: str) -> bool:
    s = re.sub(r"[ -]", "", candidate).upper()
    if not 15 <= len(s) <= 34:
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


# IBAN lengths per country (SWIFT's IBAN registry).
_IBAN_LENGTH = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24,
    "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24,
    "XK": 20,
}


def _iban_end(candidate: str) -> int:
    """Length of the IBAN ``candidate`` starts with, or 0. What counts has its country's length and a valid checksum
    (the length keeps a code, or a shortened candidate, from passing mod 97 by chance, 1 in 97). The pattern's
    optional last group can take a short word after the number ("be18503000646153 is mine"): then the candidate is
    tried again group by group from the end."""
    while True:
        compact = re.sub(r"[ -]", "", candidate)
        if _IBAN_LENGTH.get(compact[:2].upper()) == len(compact) and iban_ok(compact):
            return len(candidate)
        cut = max(candidate.rfind(" "), candidate.rfind("-"))
        if cut < 0:
            return 0
        candidate = candidate[:cut]


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
            for m in _IBAN.finditer(text):
                end = _iban_end(m.group())
                if end:  # as sure as a card it holds (Presidio scores a valid one 1.0): the IBAN is masked whole
                    out.append(self._result("IBAN_CODE", m.start(), m.start() + end, 1.0))
        return out

    def _result(self, entity: str, start: int, end: int, score: float) -> RecognizerResult:
        why = AnalysisExplanation(recognizer=self.name, original_score=score, pattern_name=entity.lower())
        return RecognizerResult(entity, start, end, score, analysis_explanation=why)
