"""Builds Presidio's AnalyzerEngine offline: our recognizer selection, one language, no model download.

NLP engine, in order of preference:
- a real spaCy NER model (``en_core_web_lg/md/sm/trf``) when one is importable and ``pii_use_ner``: adds the NER
  entity types ``PERSON``, ``LOCATION`` and ``NRP``, which no pattern can find. Without a model they are not
  detected at all (say so to users who need names/addresses masked: install ``en_core_web_sm``).
- otherwise a blank spaCy pipeline (``spacy.blank("en")``: a tokenizer, no download) so Presidio's context words
  ("ssn", "card", "phone") still raise pattern scores; lemmas fall back to the lower-cased token.
- with ``pii_context`` off, Presidio's NoOp engine: the pattern recognizers alone (fastest, no context boost).

Presidio's email recognizer validates the domain with tldextract, which by default fetches the public suffix list
from the internet; ours uses tldextract's bundled snapshot and no URLs, so nothing is fetched, ever.
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
import logging
from typing import ClassVar

import spacy
import tldextract
from presidio_analyzer import AnalyzerEngine, Pattern, RecognizerRegistry
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, NoOpNlpEngine, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    CryptoRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    SpacyRecognizer,
    UsBankRecognizer,
    UsItinRecognizer,
    UsSsnRecognizer,
)
from spacy.attrs import IDX, LENGTH, LOWER, ORTH

from services.guard.engine import deadline
from services.guard.engine.columns import columns_of
from services.guard.engine.config import GuardConfig
from services.guard.engine.credentials import CredentialRecognizer
from services.guard.engine.labelled import LabelledIdRecognizer
from services.guard.engine.normalize import vocabulary_words
from services.guard.engine.numbers import ChecksumNumberRecognizer
from services.guard.engine.phones import LabelledPhoneRecognizer, WindowedPhoneRecognizer

log = logging.getLogger(__name__)

NER_MODELS = ("en_core_web_lg", "en_core_web_md", "en_core_web_sm", "en_core_web_trf")
NER_ENTITIES = ("PERSON", "LOCATION", "NRP")

# No suffix-list URL and no cache dir: tldextract answers from the snapshot inside its wheel.
_OFFLINE_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


# Presidio's e-mail pattern, with two changes. Its \w counts CJK and Thai characters as word characters, so an
# address glued to Chinese text took the text into its span ("我的信息是ZOE@mail.example.co.uk") or was missed
# ("邮箱 jane@example.com谢谢"): letters here exclude those scripts. And its \b held after every "-" or "+" of a
# run, each start scanning the whole run for an "@": "a-" x 10,000 took 30 s (x 50,000 hit Presidio's 60 s regex
# timeout and silently found nothing). Here a local part is at most 64 characters (RFC 5321), so a start reads
# at most that far before it needs its "@". The local part takes no "/", "=" or "?": RFC 5321 allows them, but
# around an address they are a URL's or an assignment's ("?email=jane@example.com", "SMTP_FROM=jane@x.io"), which
# the span took in (and "/subscribe?email=kevin@example.com" then failed the domain check: no finding at all).
_L = r"[^\W\u0E00-\u0E7F\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF]"
_S = r"[!#$%&'*+\-^_`{|}~]"
_EMAIL = (
    rf"(?<!{_L})(?<!\.)((?:{_L}|[!#$%&*+\-^_{{|}}~])(?:(?:{_L}|{_S}|\.){{0,62}}(?:{_L}|{_S}))?"
    rf"@{_L}+(?:-+{_L}+)*(?:\.{_L}+(?:-+{_L}+)*)+)(?!{_L})"
)


class OfflineEmailRecognizer(EmailRecognizer):
    PATTERNS: ClassVar[list[Pattern]] = [Pattern("Email (Medium)", _EMAIL, 0.5)]

    def load(self) -> None:
        # tldextract reads its snapshot into a trie on the first lookup (~0.1 s): done here, at build time, so the
        # first request that holds an address does not pay for it.
        _OFFLINE_TLD("example.com")

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None, regex_flags=None):
        if "@" not in text:
            return []
        # user@host followed by ":" and more is an ssh/scp target or a shell prompt ("git@github.com:acme/x.git",
        # "deploy@web-5:~$"), not an address: all 90 probed were reported.
        return [r for r in super().analyze(text, entities, nlp_artifacts, regex_flags)
                if not (text[r.end:r.end + 1] == ":" and text[r.end + 1:r.end + 2].strip())]

    def validate_result(self, pattern_text: str) -> bool:
        return _OFFLINE_TLD(pattern_text).fqdn != ""


class BlankSpacyNlpEngine(SpacyNlpEngine):
    """A tokenizer-only spaCy pipeline: context words work, nothing is downloaded, no NER."""

    engine_name = "spacy_blank"

    def __init__(self) -> None:
        super().__init__(models=[{"lang_code": "en", "model_name": "blank:en"}])

    def load(self) -> None:
        nlp = spacy.blank("en")
        # Requests are analysed in memory zones (pii.PiiDetector), where a word the vocabulary does not hold gets a
        # lexeme made afresh each time. Read here, outside any zone, the ~22,000 English words of the classifier's
        # WordPiece vocabulary (lower-case and capitalised) are held for good: 15 MB, 0.8 s at start-up.
        words = vocabulary_words()
        nlp(" ".join([*words, *(w.capitalize() for w in words)]))
        self.nlp = {"en": nlp}

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return LazyNlpArtifacts(text, self, language)

    def get_supported_entities(self) -> list[str]:
        return []


class LazyNlpArtifacts(NlpArtifacts):
    """A blank pipeline's artifacts: the text, tokenised only where Presidio's context words are looked for.

    Only the context enhancer reads them, for a pattern match whose recognizer has context words (26 of 100
    benign 10,000-character prompts have one, 5 of 100 at 1,000), and it reads a few words around the match.
    ``context_words`` tokenises the stretch around the match, widened until it holds as many context words as the
    enhancer takes or reaches the text's edge, rather than all of a long text (6-20 ms at 10,000 characters,
    as much as every recognizer together or more). spaCy tokenises each run of non-space characters on its own, so a
    stretch cut at the edges of such runs has the tokens the whole text has there. The keywords are the
    stretch's: Presidio's are the whole text's, split at ":", so a stop word next to a match counted where a word
    like "the:x" stood anywhere in the text; here only where it stands in the stretch. The whole-text ``tokens``,
    ``lemmas`` and ``keywords`` are still there, tokenised on first use, for anything else that reads them.
    """

    def __init__(self, text: str, engine: BlankSpacyNlpEngine, language: str) -> None:  # no eager super().__init__
        self._text = text
        self._language = language
        self.nlp_engine = engine
        self.entities = []
        self.scores = []
        self._tokenised = 0  # characters tokenised by context_words

    def context_words(self, start: int, before: int, after: int) -> list[str] | None:
        """What ``IndexedContextEnhancer`` takes from the whole text: up to ``before + 1`` keyword lemmas from the
        token at ``start`` backwards and ``after + 1`` forwards. None once the stretches tokenised for this text
        add up to an eighth of it: a text with that many matches (a signature repeated down a page) is read
        whole instead, tokenised once."""
        text, reach = self._text, CONTEXT_REACH
        while self._tokenised < len(text) // 8:
            lo, hi = _run_start(text, start - reach), _run_end(text, start + reach)
            self._tokenised += hi - lo
            doc = self.nlp_engine.nlp[self._language](text[lo:hi])
            ends = (doc.to_array([IDX, LENGTH]).sum(axis=1) + lo).tolist()
            lemmas = _lemmas(doc)
            keywords = frozenset(self.set_keywords(self.nlp_engine, lemmas, self._language))
            i = bisect.bisect_right(ends, start)
            back = _words_around(lemmas, keywords, i, before, -1)
            ahead = _words_around(lemmas, keywords, i, after, 1)
            if (len(back) > before or lo == 0) and (len(ahead) > after or hi == len(text)):
                return back + ahead
            reach *= 4
        return None

    @functools.cached_property
    def tokens(self):
        return self.nlp_engine.nlp[self._language](self._text)

    @functools.cached_property
    def tokens_indices(self) -> list[int]:
        return self.tokens.to_array(IDX).tolist()

    @functools.cached_property
    def lemmas(self) -> list[str]:
        return _lemmas(self.tokens)

    @functools.cached_property
    def keywords(self) -> list[str]:
        return self.set_keywords(self.nlp_engine, self.lemmas, self._language)


# Characters either side of a match tokenised first for its context words (widened 4x while too few).
CONTEXT_REACH = 200


def _run_start(text: str, at: int) -> int:
    """Where the run of non-space characters holding ``at`` starts (0 before the text)."""
    if at <= 0:
        return 0
    while at > 0 and not text[at - 1].isspace():
        at -= 1
    return at


def _run_end(text: str, at: int) -> int:
    """Where the run of non-space characters holding ``at`` ends (the text's length past it)."""
    if at >= len(text):
        return len(text)
    while at < len(text) and not text[at].isspace():
        at += 1
    return at


def _lemmas(doc) -> list[str]:
    """Lower-cased token texts (a blank pipeline has no lemmatizer), read as an array rather than a spaCy Token
    object per token."""
    strings = doc.vocab.strings
    return [strings[h] for h in doc.to_array(LOWER).tolist()]


class IndexedContextEnhancer(LemmaContextAwareEnhancer):
    """Presidio's lemma context enhancer with its two linear scans made logarithmic / constant.

    Upstream finds a match's token by walking the spaCy ``Doc`` from the start (a ``Token`` object per step, so
    matches x tokens: ~25 ms on a 10,000-character prompt) and tests keyword membership against a list. Same
    answers here: the first token whose end lies past the match start, by bisection over token ends, and a set
    of keywords. Both indexes are built once per analysed text and kept on its ``NlpArtifacts``. One change: in a
    table, the context is the match's column header and cell, not the words around it (``columns``).
    """

    def _extract_surrounding_words(self, nlp_artifacts: NlpArtifacts, word: str, start: int) -> list[str]:
        deadline.check()  # once per finding: 100,000 characters of e-mail addresses have 14,000
        in_table = columns_of(_text(nlp_artifacts)).cell_context(start)
        return list(set(in_table if in_table is not None else self._words_near(nlp_artifacts, word, start)))

    def _words_near(self, nlp_artifacts: NlpArtifacts, word: str, start: int) -> list[str]:
        if isinstance(nlp_artifacts, LazyNlpArtifacts):
            words = nlp_artifacts.context_words(start, self.context_prefix_count, self.context_suffix_count)
            if words is not None:
                return words
        if not nlp_artifacts.tokens:
            return [""]
        ends, keywords = _token_index(nlp_artifacts)
        i = bisect.bisect_right(ends, start)
        if i == len(ends):
            raise ValueError(f"Did not find word '{word}' in the list of tokens although it is expected to be found")
        lemmas = nlp_artifacts.lemmas
        context = _words_around(lemmas, keywords, i, self.context_prefix_count, -1)
        context += _words_around(lemmas, keywords, i, self.context_suffix_count, 1)
        return context


def _text(artifacts: NlpArtifacts) -> str:
    return artifacts._text if isinstance(artifacts, LazyNlpArtifacts) else artifacts.tokens.text


def _token_index(artifacts: NlpArtifacts) -> tuple[list[int], frozenset[str]]:
    cached = getattr(artifacts, "_guard_token_index", None)
    if cached is None:
        ends = artifacts.tokens.to_array([IDX, LENGTH]).sum(axis=1).tolist()  # a spaCy Doc either way
        cached = (ends, frozenset(artifacts.keywords))
        artifacts._guard_token_index = cached
    return cached


def _words_around(lemmas: list[str], keywords: frozenset[str], index: int, n_words: int, step: int) -> list[str]:
    """Up to ``n_words + 1`` keyword lemmas from ``index`` on (the match's own token counts: it may carry the
    context word with no space). Presidio splits the keywords at ":" and then looks a token up among them whole, so
    a token with a ":" in it ("SSN:686846966", 'ssn":"481920921' in JSON) never counted: here its parts do."""
    words: list[str] = []
    i, remaining = index, n_words + 1
    while 0 <= i < len(lemmas) and remaining > 0:
        lemma = lemmas[i].lower()
        found = [part for part in lemma.split(":") if part in keywords]
        if found:
            words += found
            remaining -= 1
        i += step
    return words


def installed_ner_model(preferred: str | None = None) -> str | None:
    for name in (preferred,) if preferred else NER_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    return None


def _ssn_recognizer() -> UsSsnRecognizer:
    """Presidio's, with nine bare digits at 0.2 instead of 0.05: next to "SSN" or "social security" the context
    boost (+0.35) then reaches the 0.5 a finding needs; alone it stays under it (an id, an order number). "SS#" is
    a context word too (``_keep_hash_words`` keeps it one token)."""
    patterns = [Pattern(p.name, p.regex, 0.2 if p.name.startswith("SSN4") else p.score)
                for p in UsSsnRecognizer.PATTERNS]
    return UsSsnRecognizer(patterns=patterns, context=[*UsSsnRecognizer.CONTEXT, "ss#"])


def _keep_hash_words(nlp, recognizers: list) -> None:
    """spaCy splits "SS#" into "SS" and "#" (punctuation, never a keyword), so context words ending in "#"
    ("account#", "ss#") never matched: they are kept whole, in the cases they are written in."""
    for word in {w for r in recognizers for w in (r.context or ()) if "#" in w}:
        for form in {word, word.upper(), word.capitalize()}:
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])


def pattern_recognizers() -> list:
    return [
        CreditCardRecognizer(),
        _ssn_recognizer(),
        OfflineEmailRecognizer(),
        WindowedPhoneRecognizer(),
        LabelledPhoneRecognizer(),
        LabelledIdRecognizer(),
        IbanRecognizer(),
        IpRecognizer(),
        UsBankRecognizer(),
        UsItinRecognizer(),
        CryptoRecognizer(),
        CredentialRecognizer(),
        ChecksumNumberRecognizer(),
    ]


def build_analyzer(config: GuardConfig) -> tuple[AnalyzerEngine, bool]:
    """The analyzer and whether it runs a real NER model."""
    recognizers = pattern_recognizers()
    model = installed_ner_model(config.spacy_model) if config.pii_use_ner else None
    if model:
        nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model}])
        recognizers.append(SpacyRecognizer(supported_entities=list(NER_ENTITIES)))
        log.info("guard PII: spaCy NER model %s loaded (%s)", model, ", ".join(NER_ENTITIES))
    elif config.pii_context:
        nlp_engine = BlankSpacyNlpEngine()
        log.info("guard PII: no spaCy NER model installed; %s are not detected", ", ".join(NER_ENTITIES))
    else:
        nlp_engine = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    nlp_engine.load()
    if isinstance(nlp_engine, SpacyNlpEngine):
        for nlp in nlp_engine.nlp.values():
            _keep_hash_words(nlp, recognizers)
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"])
    analyzer = AnalyzerEngine(
        registry=registry, nlp_engine=nlp_engine, supported_languages=["en"],
        context_aware_enhancer=IndexedContextEnhancer(),
    )
    return analyzer, model is not None
