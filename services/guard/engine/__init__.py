"""The guard engine: normalisation, detectors (PII/secrets, prompt injection, company policy) and the decision.

Import :class:`GuardPipeline` from ``services.guard.engine.pipeline``; nothing heavy loads at import.
"""
