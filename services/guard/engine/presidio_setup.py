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

import importlib.util
import logging

import spacy
import tldextract
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts, NoOpNlpEngine, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    CryptoRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UsBankRecognizer,
    UsItinRecognizer,
    UsSsnRecognizer,
)

from services.guard.engine.config import GuardConfig
from services.guard.engine.credentials import CredentialRecognizer
from services.guard.engine.numbers import ChecksumNumberRecognizer

log = logging.getLogger(__name__)

NER_MODELS = ("en_core_web_lg", "en_core_web_md", "en_core_web_sm", "en_core_web_trf")
NER_ENTITIES = ("PERSON", "LOCATION", "NRP")

# No suffix-list URL and no cache dir: tldextract answers from the snapshot inside its wheel.
_OFFLINE_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


class OfflineEmailRecognizer(EmailRecognizer):
    def validate_result(self, pattern_text: str) -> bool:
        return _OFFLINE_TLD(pattern_text).fqdn != ""


class BlankSpacyNlpEngine(SpacyNlpEngine):
    """A tokenizer-only spaCy pipeline: context words work, nothing is downloaded, no NER."""

    engine_name = "spacy_blank"

    def __init__(self) -> None:
        super().__init__(models=[{"lang_code": "en", "model_name": "blank:en"}])

    def load(self) -> None:
        self.nlp = {"en": spacy.blank("en")}

    def _doc_to_nlp_artifact(self, doc, language: str) -> NlpArtifacts:
        # A blank pipeline has no lemmatizer; Presidio's context enhancer matches on lemmas.
        return NlpArtifacts(
            entities=[],
            tokens=doc,
            tokens_indices=[t.idx for t in doc],
            lemmas=[t.lower_ for t in doc],
            nlp_engine=self,
            language=language,
            scores=[],
        )

    def get_supported_entities(self) -> list[str]:
        return []


def installed_ner_model(preferred: str | None = None) -> str | None:
    for name in (preferred,) if preferred else NER_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    return None


def pattern_recognizers() -> list:
    return [
        CreditCardRecognizer(),
        UsSsnRecognizer(),
        OfflineEmailRecognizer(),
        PhoneRecognizer(),
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
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"])
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])
    return analyzer, model is not None
