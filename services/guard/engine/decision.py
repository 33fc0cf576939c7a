"""The verdict, from detections and the key's profile. Pure: no I/O, no clock.

Rules:
- A category is *detected* when a detector reports a risk for it (a PII finding, an injection or policy score at
  or above its threshold maps to risk >= 5). ``categories`` lists every detected category, whatever the action.
- A detected category is *acted on* when its risk (0-10) reaches ``profile.risk_threshold``; below it, it is only
  recorded. Acted-on categories make the request unsafe (``is_safe`` False) and apply the profile's action:
  ``block`` -> not forwarded; ``redact`` -> PII/secret spans masked with ``<TYPE>`` in the forwarded body
  (``redact`` cannot mask an intent, so for prompt_injection and policy it blocks); ``log`` -> forwarded as is.
- ``risk_score`` is the highest category risk; ``violated_rule`` names the worst acted-on category ("PII
  Detection", "Secret Detection", "Prompt Injection", or the policy rule id such as "HR-1").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from libs.common.messages import CATEGORIES, Category, Finding, KeyProfile, SecurityAssessment
from services.guard.engine.detector import Detection

RULE_NAMES: dict[Category, str] = {
    "pii": "PII Detection",
    "secret": "Secret Detection",
    "prompt_injection": "Prompt Injection",
    "policy": "Policy Violation",
}
REDACTABLE: frozenset[Category] = frozenset({"pii", "secret"})
# A detection's score key -> its category, where they differ.
SCORE_CATEGORY = {"injection": "prompt_injection", "exfiltration": "prompt_injection"}


@dataclass(frozen=True)
class Decision:
    assessment: SecurityAssessment
    forward: bool
    redact: list[Finding]
    categories: list[str]
    scores: dict[str, float]


def _rule_for(category: Category, findings: list[Finding]) -> str:
    if category == "policy":
        rules = sorted((f for f in findings if f.category == "policy" and f.rule), key=lambda f: -f.score)
        if rules:
            return rules[0].rule  # type: ignore[return-value]
    return RULE_NAMES[category]


def decide(detections: Sequence[Detection], profile: KeyProfile) -> Decision:
    # A category the profile turned off is not screened: its findings are dropped (the PII detector, for one,
    # still runs when only "secret" is on, and finds both).
    findings = [f for d in detections for f in d.findings if profile.action(f.category) != "off"]
    scores: dict[str, float] = {}
    risks: dict[Category, float] = {}
    notes: dict[Category, str] = {}
    for d in detections:
        for key, value in d.scores.items():
            if profile.action(SCORE_CATEGORY.get(key, key)) != "off":  # type: ignore[arg-type]
                scores[key] = max(scores.get(key, 0.0), value)
        for cat, risk in d.risks.items():
            if risk > risks.get(cat, -1.0):
                risks[cat] = risk
                if cat in d.notes:
                    notes[cat] = d.notes[cat]
    # What the profile turned off is not screened: it neither counts nor raises the risk score.
    risks = {c: r for c, r in risks.items() if profile.action(c) != "off"}
    # A profile threshold under 5 makes the profile stricter than the detectors' own thresholds.
    floor = min(5.0, profile.risk_threshold)
    detected = [
        c for c in CATEGORIES
        if (c in risks and risks[c] >= floor) or any(f.category == c for f in findings)
    ]
    acted = [c for c in detected if risks.get(c, 0.0) >= profile.risk_threshold]
    acted.sort(key=lambda c: -risks.get(c, 0.0))
    forward = True
    redact: list[Finding] = []
    for cat in acted:
        action = profile.action(cat)
        if action == "block" or (action == "redact" and cat not in REDACTABLE):
            forward = False
        elif action == "redact":
            redact.extend(f for f in findings if f.category == cat)
    risk_score = round(min(max(risks.values(), default=0.0), 10.0), 2)
    if acted:
        top = acted[0]
        reason = "; ".join(
            f"{RULE_NAMES[c]} ({profile.action(c)}): {notes.get(c) or _rule_for(c, findings)}" for c in acted
        )
        assessment = SecurityAssessment(
            is_safe=False, violated_rule=_rule_for(top, findings), reason=reason, risk_score=risk_score,
            findings=findings,
        )
    else:
        assessment = SecurityAssessment(is_safe=True, reason="", risk_score=risk_score, findings=findings)
    return Decision(assessment, forward, redact if forward else [], list(detected), scores)


def failed(detector: str, profile: KeyProfile) -> Decision:
    """Screening could not finish: fail closed unless the profile says fail_open."""
    assessment = SecurityAssessment(
        is_safe=False, violated_rule="Screening Failed",
        reason=f"the {detector} detector failed or timed out; "
        + ("forwarded unscreened (fail_open)" if profile.fail_open else "request not forwarded (fail closed)"),
        risk_score=10.0 if not profile.fail_open else 0.0,
    )
    return Decision(assessment, profile.fail_open, [], [], {})


def partly_failed(decision: Decision, detector: str) -> Decision:
    """fail_open and a detector failed: the other detectors' verdict stands, the failed one's categories went
    unscreened (said in the reason, and never called safe)."""
    a = decision.assessment
    note = f"the {detector} detector failed or timed out; its categories were not screened (fail_open)"
    assessment = a.model_copy(update={
        "is_safe": False, "violated_rule": a.violated_rule or "Screening Failed",
        "reason": f"{a.reason}; {note}" if a.reason else note,
    })
    return replace(decision, assessment=assessment)
