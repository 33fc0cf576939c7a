"""PII and secret detector: one Presidio pass per screened text (and per decoded view)."""

from __future__ import annotations

import bisect
import contextlib
import ipaddress
import re
import threading
from collections.abc import Iterator, Sequence

from presidio_analyzer import AnalyzerEngine

from libs.common.messages import Category, Finding
from services.guard.engine import deadline
from services.guard.engine.columns import columns_of
from services.guard.engine.config import GuardConfig
from services.guard.engine.credentials import SECRET_ENTITIES
from services.guard.engine.detector import PII, Detection, ScreenItem
from services.guard.engine.memo import Memo
from services.guard.engine.numbers import in_card_run, known_scheme
from services.guard.engine.presidio_setup import NER_ENTITIES, build_analyzer

# How bad a leak of each type is, 0-10 (5 = act at the default profile threshold). Unknown types: 6.
SEVERITY: dict[str, float] = {
    "API_KEY": 10, "PRIVATE_KEY": 10, "PASSWORD": 9,
    "CREDIT_CARD": 9, "US_SSN": 9, "US_ITIN": 9, "US_PASSPORT": 8, "IBAN_CODE": 8, "US_BANK_NUMBER": 7,
    "US_DRIVER_LICENSE": 7, "CRYPTO": 6,
    "EMAIL_ADDRESS": 6, "PHONE_NUMBER": 6, "PERSON": 5, "LOCATION": 4, "NRP": 4, "IP_ADDRESS": 5,
}
# An address no internet host has (private, loopback, link-local, documentation, shared): it names a machine inside a
# network, not a subscriber, and DevOps requests are full of them (7 of 100 such benign requests hold one, 6 were
# blocked for it alone: data/guard/agent_task_prompts.jsonl). Still found and reported; acted on only by a profile whose
# risk_threshold is this low. An internal address as infrastructure is the security policy's matter (SEC-3).
INTERNAL_IP_SEVERITY = 3.0
# Presidio scores weak patterns low and relies on context words to raise them; below these they are noise.
MIN_SCORE: dict[str, float] = {"PHONE_NUMBER": 0.4, "US_BANK_NUMBER": 0.4, "IP_ADDRESS": 0.6, "US_SSN": 0.5}
PATTERN_ENTITIES = (
    "CREDIT_CARD", "US_SSN", "EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "IP_ADDRESS", "US_BANK_NUMBER",
    "US_ITIN", "CRYPTO", "US_DRIVER_LICENSE", "US_PASSPORT", *SECRET_ENTITIES,
)


# A text's matches are kept for reuse (``memo``) only when they are few: 4,096 texts of a data dump's 10,000 matches
# each would hold gigabytes. Such a text is analysed again when it is sent again.
_KEPT_MATCHES = 64


def _few(matches: list) -> bool:
    return len(matches) <= _KEPT_MATCHES


def category_of(entity: str) -> Category:
    return "secret" if entity in SECRET_ENTITIES else "pii"


class PiiDetector:
    name = PII

    def __init__(self, analyzer: AnalyzerEngine, entities: list[str], min_score: float = 0.5,
                 cache_texts: int = 0) -> None:
        self.analyzer = analyzer
        self.entities = entities
        self.min_score = min_score
        self._matches: Memo[list[tuple[str, int, int, float, float]]] = Memo(cache_texts)
        engine_nlp = getattr(analyzer.nlp_engine, "nlp", None)
        self._spacy = engine_nlp.get("en") if isinstance(engine_nlp, dict) else None
        self._zone_lock = threading.Lock()

    @classmethod
    def build(cls, config: GuardConfig) -> PiiDetector:
        analyzer, has_ner = build_analyzer(config)
        entities = list(config.pii_entities or (*PATTERN_ENTITIES, *(NER_ENTITIES if has_ner else ())))
        return cls(analyzer, entities, config.pii_min_score, config.cache_texts)

    def detect(self, items: Sequence[ScreenItem]) -> Detection:
        with self._memory_zone():
            return self._detect(items)

    @contextlib.contextmanager
    def _memory_zone(self) -> Iterator[None]:
        """spaCy keeps every token string it reads (Vocab, StringStore): a guard that reads ids, hashes and names
        would grow by ~0.3 GB per 1,000 requests of 300 new tokens. In a memory zone what a text added is freed
        when its analysis ends (only plain strings and offsets leave it). Zones must not overlap, so PII analyses
        take turns; they hold the GIL nearly throughout anyway."""
        if self._spacy is None:
            yield
            return
        with self._zone_lock, self._spacy.memory_zone():
            yield

    def _detect(self, items: Sequence[ScreenItem]) -> Detection:
        findings: dict[tuple, Finding] = {}
        severity: dict[tuple, float] = {}
        for item in items:
            if PII not in item.checks:
                continue
            for view in item.all_views():
                text = item.view_text(view)
                if not text.strip():
                    continue
                (matches,) = self._matches.get_many([(item.scope, text)], self._analyze, _few)
                for kind, r_start, r_end, r_score, r_severity in matches:
                    start, end, path = item.locate(*item.finding_span(view, r_start, r_end))
                    key = (item.message_index, path, start, end, kind)
                    if key in findings and findings[key].score >= r_score:
                        continue
                    findings[key] = Finding(
                        type=kind, category=category_of(kind), start=start, end=end,
                        score=round(min(r_score, 1.0), 4), message_index=item.message_index, path=path,
                    )
                    severity[key] = r_severity
        kept = _drop_overlaps(list(findings.values()))
        return self._summarise(kept, [severity[(f.message_index, f.path, f.start, f.end, f.type)] for f in kept])

    def _analyze(self, texts: list[str]) -> list[list[tuple[str, int, int, float, float]]]:
        """(type, start, end, score, severity) of each text's PII and secrets."""
        out = []
        for text in texts:
            deadline.check()
            results = [r for r in self.analyzer.analyze(text, language="en", entities=self.entities)
                       if r.score >= MIN_SCORE.get(r.entity_type, self.min_score) and not _not_pii(r, text)]
            out.append([(r.entity_type, r.start, r.end, r.score, _severity(r.entity_type, text[r.start:r.end]))
                        for r in _outside_id_columns(results, text)])
        return out

    @staticmethod
    def _summarise(findings: list[Finding], severities: list[float]) -> Detection:
        scores: dict[str, float] = {"pii": 0.0, "secret": 0.0}
        risks: dict[Category, float] = {}
        notes: dict[Category, str] = {}
        for f, risk in zip(findings, severities, strict=True):
            scores[f.category] = max(scores.get(f.category, 0.0), f.score)
            if risk > risks.get(f.category, -1):
                risks[f.category] = risk
        for cat in risks:
            types = sorted({f.type for f in findings if f.category == cat})
            notes[cat] = ", ".join(types)
        return Detection(findings=findings, scores=scores, risks=risks, notes=notes)


_HEXISH = frozenset("0123456789abcdefABCDEF-")
_DECIMAL = re.compile(r"\d+\.\d+")
_NUMBER_JOIN = frozenset("-.")
# Words that name an id, in a table's header (``_ID_HEADER``) or right before a number in prose (``_ID_LABEL``).
_ID_WORDS = ("order", "invoice", "po", "sku", "tracking", "ticket", "ref", "reference")
# A number labelled as an id: "PO 450-617-1236", "Order number 5247403942" ("number" is one of Presidio's phone
# context words: 84 of 300 such order numbers were phones), "My order number is 4155550123", "Tracking number:",
# "ticket #", "confirmation code", "customer ID:". The id words and a few more; those that also name a person or a
# place ("customer", "case", "account") only with the id word after them ("customer 415-555-0172 called" stays a
# phone).
_ID_LABEL = re.compile(
    r"(?i)(?:\b(?:" + "|".join((*_ID_WORDS, "inv", "confirmation", "booking", "reservation", "transaction", "shipment"))
    + r")\b\W{0,3}(?:(?:no|number|num|id|code)\b\W{0,3})?"
    r"|\b(?:customer|member|case|account|record|serial)\W{0,3}(?:no|number|num|id|code)\b\W{0,3})"
    r"(?:(?:is|was)\W{1,3})?$"
)
# What names a version rather than a host: "assembly version 5.16.12.6", 'AssemblyVersion("117.39.80.25")',
# "chrome 115.0.3.109", a .NET package "Microsoft.AspNetCore.App 6.0.8.70" (all 300 "assembly version a.b.c.d" and 166
# of 300 mixed versions probed were IP addresses; with the IP gone, 9 of those read as phone numbers).
_VERSION_BEFORE = re.compile(
    r"(?:(?i:version|\bver|\bbuild|\brelease|\bchrome|\bchromium|\bfirefox|\bsafari|\bedge|\bopera)[\s\"'(=:]{0,3}"
    r"|\b[A-Z][a-z]\w*(?:\.[A-Z]\w*)+\s+)$"  # a package name; not an initial ("Call J.Smith 415-555-0172")
)


_TIME_KEY_BEFORE = re.compile(
    r"(?i)\b(?:ts|time|timestamp|created|updated|modified|expires?|exp|iat|nbf|epoch|\w+_at)[\"']?\s*[:=]\s*[\"']?$")
_IBAN_BEFORE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){1,7} ?$")


def _not_pii(result, text: str) -> bool:
    """Pattern matches that are no PII:
    - a card or phone "number" that is part of a longer number ("3188131-7206817" inside the order id
      112-3188131-7206817: 1 in 10 such runs is Luhn-valid);
    - a "card" starting with 1, or of 15 digits, that no network issues: Presidio's regex takes any 1xxx or 3xxx (a
      16-digit id starting with 1, a 15-digit IMEI starting with 35). Other 3xxx stay: 6 of the 79 cards of pii_dev
      are JCB numbers outside JCB's 3528-3589;
    - a "phone number" that is 11+ bare digits or more than E.164's 15 (an id, an account or card number), a
      decimal number, a Unix time, a labelled id ("ORD-2024-549592", "PO 450-617-1236"), in a card number, part of
      a UUID/hash, or right after a "/" (a user agent's version, Chrome/95.0.4638.69, or a path);
    - a version read as an IP address or a phone number, an AWS account id read as a bank or card number;
    - a Unix time under a time key read as a bank number, the digits of an IBAN read as a phone number."""
    kind, start, end = result.entity_type, result.start, result.end
    if kind in ("IP_ADDRESS", "PHONE_NUMBER") and _VERSION_BEFORE.search(text, max(0, start - 40), start):
        return True
    if kind in ("US_BANK_NUMBER", "CREDIT_CARD") and _aws_account_id(text, start, end):
        return True
    if kind == "US_BANK_NUMBER" and _TIME_KEY_BEFORE.search(text, max(0, start - 24), start):
        return True  # {"event": "checkout", "ts": 1695123891}: a Unix time ("checkout" holds the context word)
    if kind == "PHONE_NUMBER" and _IBAN_BEFORE.search(text, max(0, start - 40), start):
        return True  # the digits of an IBAN that failed its checksum: "IBAN NL58 TRIO 8024 6599 80"
    if kind not in ("PHONE_NUMBER", "CREDIT_CARD"):
        return False
    if (start >= 2 and text[start - 1] in _NUMBER_JOIN and text[start - 2].isdigit()) or (
            end + 1 < len(text) and text[end] in _NUMBER_JOIN and text[end + 1].isdigit()):
        return True
    value = text[start:end]
    if kind == "CREDIT_CARD":
        digits = "".join(c for c in value if c.isdigit())
        return (digits[0] == "1" or len(digits) == 15) and not known_scheme(digits)
    if start and text[start - 1] == "/":
        return True
    if start >= 2 and text[start - 1] == "-" and text[start - 2].isalpha():  # ORD-2024-549592, INV-2023-578893
        return True
    if _ID_LABEL.search(text, max(0, start - 32), start):
        return True
    if sum(c.isdigit() for c in value) > 15 or (value.isdigit() and len(value) >= 11):
        return True
    if _DECIMAL.fullmatch(value):  # a price or a measurement: "373513000.0", "0.164002900607"
        return True
    # Ten bare digits starting with 1 are a Unix time (2001-2033): no North American area code starts with 1. (A
    # Brazilian landline of areas 11-19 written with no space is lost.)
    if value.isdigit() and len(value) == 10 and value[0] == "1":
        return True
    if in_card_run(text, start, end):
        return True
    while start > 0 and text[start - 1] in _HEXISH:
        start -= 1
    while end < len(text) and text[end] in _HEXISH:
        end += 1
    return end - start >= 20 and any(c.isalpha() for c in text[start:end])


# In an ARN ("arn:aws:iam::575596819840:role/x") or a few words after "AWS", read back from the number only: a search
# of the whole text per finding took 19 s on 100,000 characters of "bank account 575596819840 " (4 s before it).
_AWS_BEFORE = re.compile(r"(?i)(?:\baws\b.{0,40}|\barn:aws[\w-]*:[\w-]*:[\w-]*:)$")


def _aws_account_id(text: str, start: int, end: int) -> bool:
    """Twelve digits that the text names an AWS account (298 of 300 probed ARNs gave a bank number: "account" is
    one of its context words)."""
    if end - start != 12 or not text[start:end].isdigit():
        return False
    return _AWS_BEFORE.search(text, max(0, start - 60), start) is not None


# A table column headed by an id ("customer_id", "Order #", "tracking", "SKU") holds ids: ten digits there are neither
# a US phone number nor a bank account (a CRM export of 10-digit customer ids had a phone finding in every row).
_ID_HEADER = frozenset({*_ID_WORDS, "id", "ids", "orders"})
_PHONE_HEADER = frozenset({"phone", "tel", "telephone", "mobile", "cell", "fax"})
_ID_LIKE = ("PHONE_NUMBER", "US_BANK_NUMBER")


def _outside_id_columns(results: list, text: str) -> list:
    if not any(r.entity_type in _ID_LIKE for r in results):
        return results
    columns = columns_of(text)

    def in_id_column(at: int) -> bool:
        header = set(columns.header_words(at))
        return bool(header & _ID_HEADER) and not header & _PHONE_HEADER

    return [r for r in results if r.entity_type not in _ID_LIKE or not in_id_column(r.start)]


def _severity(kind: str, value: str) -> float:
    """How bad a leak of this finding is, 0-10: its type's ``SEVERITY``, less for an internal address."""
    if kind == "IP_ADDRESS":
        try:
            if not ipaddress.ip_interface(value).ip.is_global:
                return INTERNAL_IP_SEVERITY
        except ValueError:  # not an address as written ("::" forms Presidio takes): the type's severity
            pass
    return SEVERITY.get(kind, 6.0)


def _drop_overlaps(findings: list[Finding]) -> list[Finding]:
    """Where spans of one text and one category overlap (a card number is also a bank-number candidate), keep
    the surest, then the longest (16 digits of a spaced IBAN also read as a card: the IBAN is masked whole), then
    the worst. Across categories both stay: a password inside a connection string that also
    looks like an email is still a secret, whatever the profile does with PII. O(n log n): a text of 100,000
    characters of e-mail addresses has 14,000 findings (it took ~60 s when each was checked against all kept)."""
    ranked = sorted(findings, key=lambda f: (-f.score, f.start - f.end, -SEVERITY.get(f.type, 6.0), f.start))
    kept: list[Finding] = []
    # Per text and category, the kept spans never overlap, so sorted by start their ends are sorted too: a new
    # span overlaps a kept one only if it overlaps the last kept span starting before its end.
    spans: dict[tuple, tuple[list[int], list[int]]] = {}
    for f in ranked:
        starts, ends = spans.setdefault((f.message_index, f.path, f.category), ([], []))
        k = bisect.bisect_left(starts, f.end)
        if k and ends[k - 1] > f.start:
            continue
        starts.insert(k, f.start)
        ends.insert(k, f.end)
        kept.append(f)
    return sorted(kept, key=lambda f: (f.message_index or 0, f.path or "", f.start))
