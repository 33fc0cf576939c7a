"""The guard's screening pipeline: normalise, run the enabled detectors concurrently, decide.

Pure and in-process (no NATS, no HTTP): the guard worker, ``POST /scan`` and ``gateway scan`` all call it.
Loading (Presidio, the classifier, the policy index) happens once in :meth:`GuardPipeline.build`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from libs.common.messages import KeyProfile, SecurityAssessment
from services.guard.engine import deadline
from services.guard.engine.chat import (
    SCREENING_RULES,
    chat_items,
    check_length,
    make_item,
    redact_chat,
    redact_text,
)
from services.guard.engine.config import GuardConfig
from services.guard.engine.decision import Decision, decide, failed, partly_failed
from services.guard.engine.detector import (
    DETECTOR_CATEGORIES,
    EXFILTRATION,
    INJECTION,
    PII,
    POLICY,
    Detection,
    Detector,
    ScreenItem,
)
from services.guard.engine.registry import build_detectors

log = logging.getLogger(__name__)
T = TypeVar("T")

RESPONSE_CHECKS = frozenset({PII, EXFILTRATION})


@dataclass(frozen=True)
class Verdict:
    assessment: SecurityAssessment
    forward: bool  # True: send upstream (possibly redacted); False: blocked or failed
    body: dict | None  # the chat body to forward (redacted when an action was "redact"); None when not forwarded
    categories: list[str]  # every category detected, whatever the action
    scores: dict[str, float]  # e.g. {"injection": 0.97, "policy": 0.31, "pii": 1.0, "secret": 0.0}
    latency_ms: float
    failed_detector: str | None = None  # set when screening could not finish
    text: str | None = None  # screen_text/screen_response: the text to pass on (redacted when asked)


class DetectorFailed(Exception):
    def __init__(self, detector: str) -> None:
        super().__init__(detector)
        self.detector = detector


class GuardPipeline:
    def __init__(self, detectors: Sequence[Detector], config: GuardConfig,
                 unavailable: dict[str, str] | None = None) -> None:
        self.detectors = list(detectors)
        self.config = config
        self.unavailable = dict(unavailable or {})
        self._pool = ThreadPoolExecutor(config.threads, thread_name_prefix="guard") \
            if config.executor == "thread" else None

    @classmethod
    def build(cls, config: GuardConfig | None = None) -> GuardPipeline:
        config = config or GuardConfig()
        detectors, unavailable = build_detectors(config)
        for name, why in unavailable.items():
            log.warning("guard detector %s unavailable: %s", name, why)
        return cls(detectors, config, unavailable)

    async def screen_chat(self, body: dict, profile: KeyProfile, scope: str = "") -> Verdict:
        """``scope``: whose request it is (the gateway key id); detector results are reused only within one."""
        t0 = time.perf_counter()
        cfg = self.config
        # Normalising and decoding is CPU work too (~0.6-1.5 s per 1,000,000 characters): off the event loop.
        items = await self._offload(chat_items, body, cfg.decode_encodings, cfg.max_decoded_views,
                                    cfg.max_screened_chars)
        decision, failed_name = await self._run(items, profile, scope)
        if not decision.forward:
            out = None
        elif decision.redact:
            out = redact_chat(body, decision.redact)
        else:
            out = body
        return self._verdict(decision, out, t0, failed_name)

    async def screen_text(self, text: str, profile: KeyProfile, scope: str = "") -> Verdict:
        return await self._screen_single(text, profile, SCREENING_RULES["user"], self.config.max_screened_chars,
                                         scope)

    async def screen_response(self, text: str, profile: KeyProfile, scope: str = "") -> Verdict:
        """Model output: checked for leaked PII and secrets, and for images whose URL carries data away."""
        return await self._screen_single(text, profile, RESPONSE_CHECKS, None, scope)  # screened whatever its length

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    async def _screen_single(self, text: str, profile: KeyProfile, checks: frozenset[str],
                             max_chars: int | None, scope: str) -> Verdict:
        t0 = time.perf_counter()
        check_length(len(text), max_chars)
        item = await self._offload(make_item, text, checks, None, 0, "user", self.config.decode_encodings,
                                   self.config.max_decoded_views)
        decision, failed_name = await self._run([item], profile, scope)
        out = redact_text(text, decision.redact) if decision.forward else None
        verdict = self._verdict(decision, None, t0, failed_name)
        return Verdict(**{**verdict.__dict__, "text": out})

    async def _run(self, items: list[ScreenItem], profile: KeyProfile, scope: str) -> tuple[Decision, str | None]:
        items = [replace(item, scope=scope) for item in items]
        def wanted(name: str) -> bool:
            return any(name in i.checks for i in items) and any(
                profile.action(c) != "off" for c in DETECTOR_CATEGORIES.get(name, ())
            )

        # A detector that could not load cannot vouch for its categories: fail closed (or open, per the profile)
        # unless the profile turned them off. Skipping it would forward unscreened text as if it were clean.
        failures = [name for name in self.unavailable if wanted(name)]
        if failures and not profile.fail_open:
            return failed(failures[0], profile), failures[0]
        active = [d for d in self.detectors if wanted(d.name)]
        detections: list[Detection] = []
        for result in await asyncio.gather(*(self._detect(d, items) for d in active), return_exceptions=True):
            if isinstance(result, DetectorFailed):
                failures.append(result.detector)
            elif isinstance(result, BaseException):
                raise result
            else:
                detections.append(result)
        if failures and not profile.fail_open:
            return failed(failures[0], profile), failures[0]
        decision = decide(detections, profile)
        # fail_open lets the failed detector's categories through unscreened, not what the others found.
        return (partly_failed(decision, failures[0]), failures[0]) if failures else (decision, None)

    async def _detect(self, detector: Detector, items: list[ScreenItem]) -> Detection:
        timeout = self.config.detector_timeout_s
        try:
            if self._pool is None:
                t0 = time.perf_counter()
                with deadline.limit(timeout):
                    detection = detector.detect(items)
                if time.perf_counter() - t0 > timeout:
                    raise TimeoutError
                return detection
            return await self._in_pool(detector, items, timeout)
        except Exception as exc:  # any detector error fails the request (closed unless fail_open)
            log.warning("guard detector %s failed: %r", detector.name, exc)
            raise DetectorFailed(detector.name) from exc

    async def _offload(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def _in_pool(self, detector: Detector, items: list[ScreenItem], timeout: float) -> Detection:
        """Run in the pool; the timeout counts from when a thread starts the detector, not while it waits for one
        behind other requests' detectors (the service's own timeout bounds the whole screening)."""
        started: list[float] = []

        def run() -> Detection:
            started.append(time.perf_counter())
            with deadline.limit(timeout):
                return detector.detect(items)

        future = asyncio.get_running_loop().run_in_executor(self._pool, run)
        try:
            while True:
                left = timeout if not started else started[0] + timeout - time.perf_counter()
                done, _ = await asyncio.wait({future}, timeout=max(left, 0.0))
                if done:
                    return future.result()
                if started and started[0] + timeout <= time.perf_counter():
                    raise TimeoutError
        finally:
            future.cancel()  # still queued behind other work (timed out, or the request was abandoned): dropped

    @staticmethod
    def _verdict(decision: Decision, body: dict[str, Any] | None, t0: float, failed_name: str | None) -> Verdict:
        return Verdict(
            assessment=decision.assessment, forward=decision.forward, body=body, categories=decision.categories,
            scores=decision.scores, latency_ms=round((time.perf_counter() - t0) * 1000, 3),
            failed_detector=failed_name,
        )


__all__ = ["INJECTION", "PII", "POLICY", "GuardConfig", "GuardPipeline", "Verdict"]
