"""Small helpers the benchmark scripts share: benign prompts of dev texts, percentiles, per-process CPU time, waiting
for a server."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

SEP = "\n\n"


def benign_filler(rng: random.Random, benign: list[str], chars: int) -> str:
    """Benign dev texts in a seeded random order, joined by blank lines and cut to ``chars``."""
    parts = [rng.choice(benign)]
    size = len(parts[0])
    while size < chars:
        parts.append(rng.choice(benign))
        size += len(SEP) + len(parts[-1])
    return SEP.join(parts)[:chars]


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


def gateway_env(work: Path, nats_url: str, ingress_port: int, control_port: int) -> dict[str, str]:
    """The environment a benchmark's gateway services run with: SQLite in ``work``, quiet logs, no retries."""
    from libs.common.keys import new_kek
    from libs.common.settings import generate_token

    return {
        **os.environ, "GW_NATS_URL": nats_url, "GW_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'gw.db'}",
        "GW_ADMIN_TOKEN": generate_token("gwadmin-"), "GW_KEK": new_kek(), "GW_DATA_DIR": str(work),
        "GW_INGRESS_PORT": str(ingress_port), "GW_CONTROL_PORT": str(control_port), "GW_LOG_LEVEL": "WARNING",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True", "GW_UPSTREAM_RETRIES": "0",
    }


def start_upstream(port: int, api_key: str, env: dict[str, str], root: Path) -> subprocess.Popen[bytes]:
    """The loopback OpenAI-compatible stand-in, in a process group of its own so its CPU time can be read."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.upstream", "--port", str(port), "--api-key", api_key],
        cwd=root, env=env, start_new_session=True,
    )
