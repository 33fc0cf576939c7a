"""The verdict from detections and a profile: pure, no I/O."""

from __future__ import annotations

from libs.common.messages import CATEGORIES, Finding, KeyProfile
from services.guard.engine.decision import decide, failed
from services.guard.engine.detector import Detection, threshold_risk

CARD = Finding(type="CREDIT_CARD", category="pii", start=3, end=19, score=1.0, message_index=1)
KEY = Finding(type="API_KEY", category="secret", start=0, end=40, score=0.95, message_index=1)
HR1 = Finding(type="HR-1", category="policy", start=0, end=30, score=0.7, rule="HR-1", message_index=1)


def pii(*findings: Finding, risk: float = 9.0) -> Detection:
    return Detection(findings=list(findings), scores={"pii": 1.0}, risks={f.category: risk for f in findings})


def profile(**actions: str) -> KeyProfile:
    return KeyProfile(actions={c: actions.get(c, "block") for c in CATEGORIES})


def test_block_profile_blocks_pii_and_names_the_rule() -> None:
    d = decide([pii(CARD)], KeyProfile())
    assert (d.forward, d.assessment.is_safe, d.assessment.violated_rule) == (False, False, "PII Detection")
    assert d.assessment.risk_score == 9.0 and d.categories == ["pii"]


def test_redact_profile_forwards_with_the_spans_to_mask() -> None:
    d = decide([pii(CARD)], profile(pii="redact"))
    assert d.forward and d.redact == [CARD] and not d.assessment.is_safe


def test_log_profile_forwards_untouched_but_records_the_category() -> None:
    d = decide([pii(CARD)], profile(pii="log"))
    assert d.forward and d.redact == [] and d.categories == ["pii"] and d.assessment.findings == [CARD]


def test_redact_cannot_mask_an_intent_so_injection_is_blocked() -> None:
    inj = Detection(scores={"injection": 0.99}, risks={"prompt_injection": 9.8})
    d = decide([inj], profile(prompt_injection="redact"))
    assert not d.forward and d.assessment.violated_rule == "Prompt Injection"


def test_policy_violation_cites_the_rule_id() -> None:
    d = decide([Detection(findings=[HR1], scores={"policy": 0.7}, risks={"policy": 6.0})], KeyProfile())
    assert d.assessment.violated_rule == "HR-1" and not d.forward


def test_worst_category_is_the_violated_rule_and_one_block_wins_over_redact() -> None:
    d = decide([pii(CARD), pii(KEY, risk=10.0)], profile(pii="redact"))
    assert d.assessment.violated_rule == "Secret Detection" and not d.forward and d.redact == []


def test_risk_under_profile_threshold_is_recorded_not_acted_on() -> None:
    low = Finding(type="IP_ADDRESS", category="pii", start=0, end=7, score=0.9)
    d = decide([pii(low, risk=5.0)], KeyProfile(risk_threshold=7))
    assert d.forward and d.assessment.is_safe and d.categories == ["pii"]


def test_stricter_profile_acts_below_detector_threshold() -> None:
    inj = Detection(scores={"injection": 0.4}, risks={"prompt_injection": threshold_risk(0.4, 0.5)})
    assert decide([inj], KeyProfile()).forward
    assert not decide([inj], KeyProfile(risk_threshold=3)).forward


def test_clean_request_is_safe() -> None:
    d = decide([Detection(scores={"pii": 0.0})], KeyProfile())
    assert d.forward and d.assessment.is_safe and d.categories == [] and d.assessment.violated_rule is None


def test_failure_is_closed_unless_profile_fails_open() -> None:
    assert not failed("pii", KeyProfile()).forward
    assert failed("pii", KeyProfile(fail_open=True)).forward


def test_threshold_maps_to_five() -> None:
    assert threshold_risk(0.8, 0.8) == 5.0 and threshold_risk(1.0, 0.8) == 10.0 and threshold_risk(0.0, 0.8) == 0


def test_off_category_is_ignored_even_when_its_detector_found_something() -> None:
    d = decide([pii(CARD, KEY)], profile(pii="off"))
    assert not d.forward  # the secret is still blocked
    assert d.assessment.findings == [KEY] and d.categories == ["secret"]
