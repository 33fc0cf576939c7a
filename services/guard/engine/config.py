"""Guard engine settings, read from ``GW_GUARD_*`` environment variables. Built by the caller, never at import."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[3]

DetectorName = Literal["pii", "injection", "policy", "exfiltration"]


# Set by scripts/guard_training/policy_background.py: the lowest margin that flags at most 2% of benign 1,000- and
# 10,000-character prompts made of held-apart dev texts (MODEL_CARD.md, "Policy matching"). The cosine threshold is
# the whole-window matcher's (before 2026-11-27), for sentences without the background it flags far more.
POLICY_MARGIN_THRESHOLD = 0.048
POLICY_COSINE_THRESHOLD = 0.76


class GuardConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GW_GUARD_", extra="ignore")

    detectors: list[DetectorName] = Field(
        default_factory=lambda: ["pii", "injection", "policy", "exfiltration"],
        description="Detectors to run. PII and secrets share one detector (one Presidio pass); exfiltration reads "
                    "answers only (images whose URL carries data).",
    )
    exfil_allowed_hosts: list[str] = Field(
        # GitHub's image proxy signs each URL with a key of GitHub's: an answer cannot add data to one.
        default_factory=lambda: ["camo.githubusercontent.com"],
        description="Hosts (and their subdomains) an answer's images may load from with data in the URL.",
    )
    require_all_detectors: bool = Field(
        False, description="Refuse to start when an enabled detector cannot load (else: logged, skipped)."
    )
    detector_timeout_s: float = Field(2.0, gt=0, description="A detector slower than this fails the request.")
    # "thread": each detector in the engine's thread pool (timeouts are enforced, onnxruntime overlaps with
    # Presidio's regexes); "inline": run in the event loop one after another (lowest overhead on one core,
    # a timeout is then only detected after the fact).
    executor: Literal["thread", "inline"] = "thread"
    threads: int = Field(2, ge=1)
    cache_texts: int = Field(
        4096, ge=0, description="Per detector, the results of this many texts are kept (per gateway key), so a chat's "
        "history is not screened again with every turn. 0: none.")
    max_screened_chars: int = Field(
        1_000_000, ge=1, description="A request with more text to screen is refused (413): screening 1,000,000 "
        "characters takes ~1-2 s of CPU per detector, and longer texts would only time out while holding a thread.")

    # Normalisation
    decode_encodings: bool = Field(True, description="Decode base64/hex/rot13/leetspeak spans for a second look.")
    max_decoded_views: int = Field(4, ge=0, description="At most this many decoded spans per text.")

    # PII and secrets
    pii_min_score: float = Field(0.5, ge=0, le=1, description="Presidio results below this score are dropped.")
    pii_entities: list[str] | None = Field(None, description="Restrict to these entity types (None: all known).")
    spacy_model: str | None = Field(
        None, description="spaCy NER model package (e.g. en_core_web_sm); None: the first en_core_web_* installed."
    )
    pii_use_ner: bool = Field(True, description="Use an installed NER model for PERSON/LOCATION/... when present.")
    pii_context: bool = Field(
        True, description="Tokenise with a blank spaCy pipeline so context words ('ssn', 'card') raise scores."
    )

    # First stage (prefilter.py): cheap static scores decide which windows the transformers read. Off: every
    # window of every text goes through both transformers (slower, the same verdicts on the dev data).
    prefilter: bool = Field(True, description="Gate the transformer models with the static first stage.")
    prefilter_model_path: Path | None = None
    model_windows: int = Field(
        3, ge=0, description="With the prefilter: per screened text, at most this many windows (the most suspicious) "
        "go to the injection classifier; the gate score alone judges the rest. 0: every window over the gate.")
    policy_model_windows: int = Field(
        2, ge=0, description="With the prefilter: per screened text, one sentence per 1,200 characters and at most "
        "this many (the nearest to a rule) go to the policy embedder; the others are not matched. 0: every sentence "
        "near a rule.")

    # Prompt injection
    injection_threshold: float | None = Field(None, ge=0, le=1, description="None: the classifier's THRESHOLD.")
    system_injection_threshold: float = Field(
        0.999, ge=0, le=1, description="P(injection) at which a system/developer message counts as an attack (never "
        "under injection_threshold): operators' own instructions read as instruction-like to the classifier.")
    injection_model_path: Path | None = None
    nonlatin: bool = Field(
        True, description="Score sentences in non-Latin scripts (Chinese, Russian, Arabic...) with the character "
        "n-gram model as well: the classifier's English vocabulary cannot read them.")
    nonlatin_model_path: Path | None = None

    # Company policy
    policies_dir: Path = REPO_ROOT / "policies"
    policy_threshold: float | None = Field(
        None, ge=-1, le=1, description="Margin (cosine similarity less how near both sides are to ordinary "
        "requests; cosine similarity when policy_background is off) at which a sentence matches a rule. None: "
        f"{POLICY_MARGIN_THRESHOLD}, or {POLICY_COSINE_THRESHOLD} with policy_background off.")
    policy_background: bool = Field(
        True, description="Score policy matches by their margin over the embedded background of ordinary requests "
        "(off: raw cosine similarity, which rates topic).")
    policy_background_path: Path | None = None
    embedder_model_path: Path | None = None
    weaviate_url: str | None = None
    weaviate_grpc_port: int = 50051
    weaviate_collection: str = "GuardPolicyRule"

    # Optional LLM judge for grey-zone policy matches (off by default).
    judge_model: str | None = None
    judge_margin: float = Field(0.03, ge=0, le=1, description="Margins within this below/above threshold.")
    judge_timeout_s: float = 10.0

    @property
    def policy_match_threshold(self) -> float:
        if self.policy_threshold is not None:
            return self.policy_threshold
        return POLICY_MARGIN_THRESHOLD if self.policy_background else POLICY_COSINE_THRESHOLD
