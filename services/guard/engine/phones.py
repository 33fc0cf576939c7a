"""Presidio's phone recognizer, run only where a phone number can be: around the digits of the text.

Upstream runs python-phonenumbers' matcher over the whole text once per region (8 regions), so a 10,000-character
prompt is scanned 8 times even where it has no digit. Here the matcher runs over windows around clusters of
digits. A window gives the matcher's answers for the whole text because
- a candidate never crosses a window edge: a candidate is digit groups joined by at most 4 punctuation characters,
  up to 10 leading punctuation characters, and an extension such as ``ext. 12`` (a word of at most 10 characters
  between runs of spaces, commas and dashes); clusters are merged across any gap a candidate could span, and
- what the matcher looks at around a candidate (the character before, the character after, a ``:MM`` after a
  time stamp) lies inside the window: each window reaches ``_MARGIN`` characters past its outermost digits.

Most candidates in real prompts are years, ids, versions and amounts, and the matcher parses each once per region
(~30 us a parse). ``ShortCandidateMatcher`` skips the parse where no valid number can come out of it: a valid
number's national part has a length its region allows, and it is made of the candidate's digits (and letters, for
vanity numbers), so a candidate with fewer of those than the shortest length of the regions it can land in fails.

What is found differs from upstream in two ways: in four regions a number must start with its trunk prefix 0 or
"+" (``TRUNK_PREFIX_REGIONS``), and a number right after a phone label is a phone whatever its region says
(``LabelledPhoneRecognizer``).
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

import phonenumbers
from phonenumbers import PhoneMetadata
from phonenumbers import phonenumbermatcher as _upstream
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from services.guard.engine import deadline

# phonenumbers' candidate pattern uses Unicode \d, so the clusters do too.
_DIGITS = re.compile(r"\d+")
_SPACING = re.compile(r"[ \xa0\t,\-]+")
_MARGIN = 16
# Gaps with more non-spacing characters than this cannot lie inside one candidate (an extension word is <= 10).
_BRIDGE = 16


@functools.cache
def _shortest_valid(region: str | None = None) -> int:
    """The fewest digits a valid number's national part has: in ``region``'s calling code, or anywhere."""
    if region is None:
        metadata = [PhoneMetadata.metadata_for_region(r) for r in phonenumbers.SUPPORTED_REGIONS]
        nongeo = phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS
        metadata += [PhoneMetadata.metadata_for_nongeo_region(c) for c in nongeo]
    else:
        code = phonenumbers.country_code_for_region(region)
        metadata = [PhoneMetadata.metadata_for_region(r) for r in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]]
    return min(min(m.general_desc.possible_length, default=1) for m in metadata if m is not None)


_SHORTEST_ANYWHERE = _shortest_valid()

# Regions whose numbers are written with their trunk prefix 0 ("030 1234567", "06 12 34 56 78", "020 7946 0958",
# "050-123-4567") or with "+"/"00". A candidate with neither can only be a local number without its area code, which
# prompts do not carry, and what parses as one is a price, a year or an id: German metadata takes 4 to 6 digits, so
# "1684", "333347" and "3627.62" were phone numbers (all 23 German matches without a leading 0 or + in the dev
# data's 3,998 texts, 17 in a 10,000-character order CSV, and 5 card numbers in pii_dev). Indian mobiles ("98765
# 43210") and Brazilian numbers ("(11) 91234-5678") are written without the 0, so those regions keep them.
TRUNK_PREFIX_REGIONS = frozenset({"DE", "FR", "GB", "IL"})


class Candidates:
    """What the matcher finds in one text whatever its region: the candidates (where the search from an index
    lands), the date and time-stamp ones it skips, each candidate's inner groups, and how many digits and letters
    a string has. Worked out by the first region's matcher and read by the others: the stock matcher redid it all
    once per region (7 times)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.found: dict[int, tuple[int, str] | None] = {}
        self.skipped: dict[tuple[str, int], bool] = {}
        self.inner: dict[tuple[str, int], list[list[tuple[str, int]]]] = {}
        self.digitish: dict[str, int] = {}
        self.digits: dict[str, str | None] = {}

    def next_from(self, index: int) -> tuple[int, str] | None:
        if index not in self.found:
            m = _upstream._PATTERN.search(self.text, index)
            self.found[index] = None if m is None else (
                m.start(), _trim(_upstream._SECOND_NUMBER_START_PATTERN, self.text[m.start():m.end()]))
        return self.found[index]

    def skip(self, candidate: str, offset: int) -> bool:
        """A publication page reference, a date or a time stamp (the stock matcher's first checks)."""
        key = (candidate, offset)
        if key not in self.skipped:
            self.skipped[key] = bool(_upstream._SLASH_SEPARATED_DATES.search(candidate)) or bool(
                _upstream._TIME_STAMPS.search(candidate)
                and _upstream._TIME_STAMPS_SUFFIX.match(self.text[offset + len(candidate):]))
        return self.skipped[key]

    def inner_groups(self, candidate: str, offset: int) -> list[list[tuple[str, int]]]:
        """The groups the stock matcher tries inside a candidate, in its order: one step per turn of its loop, a
        step being one or two (group, offset) tries with no check of the tries left between them."""
        key = (candidate, offset)
        if key not in self.inner:
            steps = []
            for pattern in _upstream._INNER_MATCHES:
                group = pattern.search(candidate)
                first = True
                while group:
                    step = []
                    if first:
                        step.append((_trim(_upstream._UNWANTED_END_CHAR_PATTERN, candidate[:group.start()]), offset))
                        first = False
                    step.append((_trim(_upstream._UNWANTED_END_CHAR_PATTERN, group.group(1)), offset + group.start(1)))
                    steps.append(step)
                    group = pattern.search(candidate, group.start() + 1)
            self.inner[key] = steps
        return self.inner[key]

    def plain_digits(self, candidate: str) -> str | None:
        """The candidate's digits, if it is digits and plain punctuation only (no letter, extension or "+")."""
        if candidate not in self.digits:
            plain = all(c.isdecimal() or c in _PLAIN for c in candidate)
            self.digits[candidate] = "".join(str(int(c)) for c in candidate if c.isdecimal()) if plain else None
        return self.digits[candidate]

    def count(self, candidate: str) -> int:
        if candidate not in self.digitish:
            self.digitish[candidate] = _digitish(candidate)
        return self.digitish[candidate]


_PLAIN = frozenset(" -./()")


@functools.cache
def _national_lengths(region: str) -> tuple[str, tuple[str, ...], frozenset[int], tuple[re.Pattern, ...]] | None:
    """(calling code, trunk prefixes, the lengths a national number may have, the general patterns of the calling
    code's regions) where the region's trunk prefixes are plain digits that the parser strips, not a pattern that
    rewrites the number (Brazil's carrier codes): else None, and nothing is ruled out."""
    metadata = PhoneMetadata.metadata_for_region(region)
    pattern = metadata.national_prefix_for_parsing or ""
    if metadata.national_prefix_transform_rule or not re.fullmatch(r"(?:\d+(?:\|\d+)*)?", pattern):
        return None
    code = metadata.country_code
    regions = [PhoneMetadata.metadata_for_region(r) for r in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]]
    lengths = frozenset(n for m in regions for n in m.general_desc.possible_length)
    if any(m.general_desc.national_number_pattern is None for m in regions):
        return None
    forms = tuple(re.compile(m.general_desc.national_number_pattern) for m in regions)
    return str(code), tuple(pattern.split("|")) if pattern else (), lengths, forms


def _trim(pattern: re.Pattern, candidate: str) -> str:
    found = pattern.search(candidate)
    return candidate[:found.start()] if found else candidate


class ShortCandidateMatcher(phonenumbers.PhoneNumberMatcher):
    """The stock matcher, minus the parse of candidates too short to be valid (same matches, same order) and, with
    ``trunk_prefix``, of candidates that start with neither "+" nor 0 (see ``TRUNK_PREFIX_REGIONS``).

    Without a plus sign, and with a first digit other than 0 (every default region's international dialling prefix
    starts with 0), a candidate can only parse into the matcher region's calling code.

    With ``candidates``, the region-free part of the search is shared with the other regions' matchers of the same
    text (``Candidates``); ``_find``, ``_extract_match`` and ``_extract_inner_match`` then do what the stock ones do
    (phonenumbers is pinned; ``test_windowed_phone_recognizer_matches_presidios`` compares the two)."""

    def __init__(self, text: str, region: str, leniency: int, trunk_prefix: bool = False,
                 candidates: Candidates | None = None) -> None:
        # 4,096 candidates, or one per 8 characters of a longer window (a list of phone numbers needs one per ~15),
        # at most phonenumbers' own 65,535: "1/1/1/..." has one per 2, and 100,000 characters of it took ~11 s
        # (8 regions x ~50,000 parses). Below 4,096 a CSV export's numbers used up the tries before its phones.
        super().__init__(text, region, leniency=leniency, max_tries=min(65_535, max(4_096, len(text) // 8)))
        metadata = PhoneMetadata.metadata_for_region(region)
        own_code_only = metadata is not None and (metadata.international_prefix or "0").startswith("0")
        self._shortest = _shortest_valid(region) if own_code_only else _SHORTEST_ANYWHERE
        idd = metadata.international_prefix if own_code_only else None
        self._idd = re.compile(idd) if idd else None
        self._national = _national_lengths(region) if own_code_only else None
        self._trunk_prefix = trunk_prefix
        self._candidates = candidates or Candidates(self.text)

    def _find(self, index: int):
        found = self._candidates.next_from(index)
        while self._max_tries > 0 and found is not None:
            start, candidate = found
            if len(candidate) >= self._min_candidate_length:
                match = self._extract_match(candidate, start)
                if match is not None:
                    return match
                self._max_tries -= 1
            found = self._candidates.next_from(start + len(candidate))
        return None

    def _extract_match(self, candidate: str, offset: int):
        if self._candidates.skip(candidate, offset):
            return None
        match = self._parse_and_verify(candidate, offset)
        return match if match is not None else self._extract_inner_match(candidate, offset)

    def _extract_inner_match(self, candidate: str, offset: int):
        for step in self._candidates.inner_groups(candidate, offset):
            if self._max_tries <= 0:
                return None
            for group, at in step:
                match = self._parse_and_verify(group, at)
                if match is not None:
                    return match
                self._max_tries -= 1
        return None

    def _parse_and_verify(self, candidate: str, offset: int):
        deadline.check()  # ~30 us a parse, 8 regions: 1,000,000 characters of phone-like numbers are ~40 s
        if self._candidates.count(candidate) < self._shortest_for(candidate) or not self._length_possible(candidate):
            return None
        if self._trunk_prefix and not _international(candidate) and _first_digit(candidate) != 0:
            return None
        return super()._parse_and_verify(candidate, offset)

    def _shortest_for(self, candidate: str) -> int:
        """The fewest digits (and letters) with which the candidate can parse into a valid number here."""
        if _international(candidate):
            return _SHORTEST_ANYWHERE
        if _first_digit(candidate) != 0:
            return self._shortest
        # A leading 0: the region's international prefix, or its trunk prefix. The parser takes the first only when
        # a digit other than 0 follows it (a calling code), and then a national number of some country must follow
        # the calling code; else the number is national here, and stripping the trunk 0 only shortens it. A
        # decimal such as "0.020" is then too short for every region ("0020": "00", then "20" and nothing).
        digits = self._candidates.plain_digits(candidate)
        if digits is None or self._idd is None:
            return _SHORTEST_ANYWHERE
        idd = self._idd_end(digits)
        return self._shortest if idd is None else idd + 1 + _SHORTEST_ANYWHERE

    def _idd_end(self, digits: str) -> int | None:
        """Where the region's international prefix ends, if the parser takes ``digits`` as starting with one: a digit
        other than 0 (a calling code) must follow it."""
        idd = self._idd.match(digits) if self._idd is not None else None
        return idd.end() if idd and digits[idd.end():idd.end() + 1] not in ("", "0") else None

    def _length_possible(self, candidate: str) -> bool:
        """False where a number written without "+" or an international prefix can only be national here and none
        of the national numbers that can come out of it has a length and a form (the general pattern) that a
        region of its calling code allows: the parser strips the calling code written without "+" ("1 415 ...")
        and the trunk prefix ("1", "0"; twice after a calling code), and nothing else, and a valid number matches
        its region's general pattern. An ISO date "2026-05-04" is 8 digits, and North American numbers are 10 (7
        without an area code); Indian numbers do not start with "2026"."""
        if self._national is None or _international(candidate):
            return True
        digits = self._candidates.plain_digits(candidate)
        if digits is None:
            return True
        if digits[:1] == "0" and self._idd_end(digits) is not None:
            return True  # international: _shortest_for's bound
        code, prefixes, lengths, forms = self._national

        def strip(at: int) -> set[int]:  # the trunk prefix taken off at ``at``, or not
            return {at, *(at + len(p) for p in prefixes if digits.startswith(p, at))}

        cuts = strip(0)
        if digits.startswith(code):  # the calling code, then the trunk prefix up to twice (once while the code is
            cuts |= {c for at in strip(len(code)) for c in strip(at)}  # taken off, once after)
        return any(len(digits) - cut in lengths and any(form.fullmatch(digits, cut) for form in forms) for cut in cuts)


def _digitish(candidate: str) -> int:
    # A candidate holds digits, punctuation and letters only (isalnum is isdigit or isalpha on those), counted in C.
    return sum(map(str.isalnum, candidate))


def _international(candidate: str) -> bool:
    return "+" in candidate or "\uff0b" in candidate


def _first_digit(candidate: str) -> int:
    digit = _DECIMAL_DIGIT.search(candidate)  # \d is isdecimal
    return int(digit.group()) if digit else 0


_DECIMAL_DIGIT = re.compile(r"\d")


def digit_windows(text: str) -> list[tuple[int, int]]:
    """Disjoint (start, end) windows covering every possible phone-number candidate and its context."""
    clusters: list[list[int]] = []
    for m in _DIGITS.finditer(text):
        if clusters and _bridgeable(text, clusters[-1][1], m.start()):
            clusters[-1][1] = m.end()
        else:
            clusters.append([m.start(), m.end()])
    return [(max(0, s - _MARGIN), min(len(text), e + _MARGIN)) for s, e in clusters]


def _bridgeable(text: str, start: int, end: int) -> bool:
    if end - start <= 2 * _MARGIN:
        return True
    return len(_SPACING.sub("", text[start:end])) <= _BRIDGE


class WindowedPhoneRecognizer(PhoneRecognizer):
    def __init__(self, *args, trunk_prefix_regions: frozenset[str] = TRUNK_PREFIX_REGIONS, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.trunk_prefix_regions = trunk_prefix_regions

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        results = []
        regions = one_per_calling_code(self.supported_regions)
        for start, end in digit_windows(text):
            window = text[start:end]
            find = _cached_phone_spans if len(window) <= _CACHED_WINDOW else phone_spans
            for s, e, region in find(window, regions, self.leniency, self.trunk_prefix_regions):
                results.append(self._get_recognizer_result(_Span(start + s, start + e), text, region, nlp_artifacts))
        return EntityRecognizer.remove_duplicates(results)


# A number that the text gives as a phone number ("Phone: 467 3395", "Mobile: 723 813 266", "call me at 78 651
# 450"): the recognizer above takes only numbers valid in one of its 8 regions, so a number from elsewhere, or written
# without its area code, was missed (25 of pii_dev's 68 phone numbers, each after a label or "at").
# Read back from a number of the right length: searched for forwards, the labels cost 0.8 ms per 10,000 characters.
_PHONE_LABEL = re.compile(
    r"\b(?:tele?phone|phone|tel|mobile|cell(?:phone)?|fax|desk|whatsapp|sms"
    r"|(?:call|text|reach|ring|contact)\s+(?:me|us|him|her|them)\s+(?:at|on)|(?:my|our|his|her|their)\s+number\s+is)"
    r"(?:\s*(?:no|number|#))?\s*[.:#]?[.:]?\s{0,3}$",
    re.IGNORECASE,
)
_LABEL_REACH = 40
_LABELLED_NUMBER = re.compile(r"\+?(?:\(\d{1,5}\)|\d{1,15})(?:[ .\-]{1,2}(?:\(\d{1,5}\)|\d{1,15})){0,5}"
                             r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w.\-]*\d)", re.IGNORECASE)
_DATE_OR_IP = re.compile(r"\d{1,4}([./\-])\d{1,2}\1\d{2,4}|\d{1,3}(?:\.\d{1,3}){3}")
_LABELLED_SCORE = 0.7


class LabelledPhoneRecognizer(EntityRecognizer):
    """7 to 15 digits in groups right after a phone label: a phone number whatever country it is from."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["PHONE_NUMBER"], name="LabelledPhoneRecognizer", supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        results = []
        end = 0
        for digits in _DIGITS.finditer(text):
            at = digits.start()
            if at and text[at - 1] in "+(":
                at -= 1
            if at < end or (at and (text[at - 1].isalnum() or text[at - 1] in "_+(.-")):
                continue  # inside a number or a word
            number = _LABELLED_NUMBER.match(text, at)
            if (number is None or not 7 <= sum(c.isdigit() for c in number.group()) <= 15
                    or _DATE_OR_IP.fullmatch(number.group())
                    or not _PHONE_LABEL.search(text, max(0, at - _LABEL_REACH), at)):
                continue
            results.append(RecognizerResult("PHONE_NUMBER", at, number.end(), _LABELLED_SCORE))
            end = number.end()
        return results


def one_per_calling_code(regions: list[str]) -> tuple[str, ...]:
    """The first of the regions that share a calling code: a candidate parses and validates the same with either as
    its default region (US and CA: the North American plan, +1), so the second adds only a second parse of every
    candidate (a fifth of the phone matcher's time on a 10,000-character CSV)."""
    codes = {}
    for region in regions:
        codes.setdefault(phonenumbers.country_code_for_region(region), region)
    return tuple(codes.values())


class _Span(NamedTuple):
    start: int
    end: int


def phone_spans(window: str, regions: tuple[str, ...], leniency: int,
                trunk_prefix_regions: frozenset[str] = TRUNK_PREFIX_REGIONS) -> tuple[tuple[int, int, str], ...]:
    candidates = Candidates(window)
    return tuple(
        (m.start, m.end, region) for region in regions
        for m in ShortCandidateMatcher(window, region, leniency, region in trunk_prefix_regions, candidates)
    )


# A chat is screened again with every turn, and its windows with it: a window's matches are kept, not re-parsed.
_CACHED_WINDOW = 512
_cached_phone_spans = functools.lru_cache(maxsize=4096)(phone_spans)
