"""Builds the detectors GuardConfig enables. A detector whose model or module is missing is reported unavailable
(and logged) rather than breaking start-up, unless ``require_all_detectors`` is set."""

from __future__ import annotations

from services.guard.engine.config import GuardConfig
from services.guard.engine.detector import EXFILTRATION, INJECTION, PII, POLICY, Detector


def _factory(name: str):
    if name == PII:
        from services.guard.engine.pii import PiiDetector

        return PiiDetector.build
    if name == INJECTION:
        from services.guard.engine.injection_detector import InjectionDetector

        return InjectionDetector.build
    if name == POLICY:
        from services.guard.engine.policy_detector import PolicyDetector

        return PolicyDetector.build
    if name == EXFILTRATION:
        from services.guard.engine.exfiltration import ExfiltrationDetector

        return ExfiltrationDetector.build
    raise ValueError(f"unknown detector {name!r}")


def build_detectors(config: GuardConfig) -> tuple[list[Detector], dict[str, str]]:
    detectors: list[Detector] = []
    unavailable: dict[str, str] = {}
    for name in dict.fromkeys(config.detectors):
        try:
            detectors.append(_factory(name)(config))
        # Missing or damaged model files, an unreachable Weaviate (its errors are plain Exceptions), a bad policy
        # file: that detector is unavailable, so requests it would screen fail closed; the others keep working.
        except Exception as exc:
            if config.require_all_detectors:
                raise
            unavailable[name] = f"{type(exc).__name__}: {exc}"
    return detectors, unavailable
