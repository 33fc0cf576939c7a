"""A detector's time limit, seen from inside the detector.

The pipeline fails a request whose detector runs past ``detector_timeout_s``, but a Python thread cannot be stopped
from outside: the detector used to run on to its end and hold a guard thread meanwhile. One request of 1,000,000
characters of "SSN:536-22-8014 " held one for ~35 s, and a one-line request behind it waited 32 s. Now the pipeline
runs each detector under ``limit(seconds)`` and the detectors call ``check()`` between units of work (a text, a
model window, a phone-number candidate, a finding's context), so a detector that has timed out stops within one
unit and frees its thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class DeadlinePassed(TimeoutError):
    """The detector's time limit passed while it was still working."""


_local = threading.local()


@contextmanager
def limit(seconds: float) -> Iterator[None]:
    """Work done in this thread inside the block stops at its next ``check()`` once ``seconds`` have passed."""
    outer = getattr(_local, "at", None)
    at = time.perf_counter() + seconds
    _local.at = at if outer is None else min(at, outer)
    try:
        yield
    finally:
        _local.at = outer


def check() -> None:
    """Raise ``DeadlinePassed`` if this thread's limit has passed (costs ~0.1 us; no limit set: never raises)."""
    at = getattr(_local, "at", None)
    if at is not None and time.perf_counter() > at:
        raise DeadlinePassed
