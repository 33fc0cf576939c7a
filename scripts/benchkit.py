"""Small helpers the benchmark scripts share: percentiles, per-process CPU time, waiting for a server."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def cpu_seconds_of_group(pgid: int) -> float:
    """User + system CPU time so far (Linux) of every live process in the process group that ``pgid`` leads (a
    service and any worker or helper it forked), to show where each request's time goes."""
    total, found = 0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields[0] is the state, [1] ppid, [2] pgrp
            total += int(fields[11]) + int(fields[12])
            found = True
    return total / os.sysconf("SC_CLK_TCK") if found else float("nan")


def wait_http(url: str, timeout: float = 30, alive: Callable[[], bool] = lambda: True, what: str = "") -> None:
    """Until ``url`` answers anything below 500; fails early when ``alive`` says the server died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"{what or url} exited before it answered")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what or url} did not answer within {timeout:.0f}s")
