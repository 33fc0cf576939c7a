"""Latency: straight to a loopback upstream vs through LiteLLM Proxy vs through our gateway, in one run.

Our gateway is measured twice: with full screening, and with a key whose profile turns every category off (the
gateway's own cost, like for like with a LiteLLM Proxy that has no guardrails).

Starts one OpenAI-compatible loopback upstream (``python -m tests.e2e.upstream``), LiteLLM Proxy in front of it
(no guardrails, no callbacks, no database, a master key only, 1 uvicorn worker, its logging at WARNING, everything
that phones home off) and our gateway in front of it (embedded NATS, SQLite, the five services as one process each,
full screening on), exactly as scripts/bench_gateway.py does. It then sends N sequential chat requests (after W
warm-ups) with a ~1,000-character prompt on each of the three paths, interleaved request by request (the order of
the three rotates every round) so that machine noise hits all paths alike, and prints p50/p90/p99/mean per path,
the added latency of each proxy over the direct path, the gateway/LiteLLM ratios, and the CPU milliseconds each
process spent per round (one request on each path).

Usage:
    .venv/bin/python scripts/bench_vs_litellm_proxy.py [-n 200] [--warmup 30] \\
        [--litellm-python /tmp/litellm-proxy-venv/bin/python] [--litellm-workers 1]

LiteLLM Proxy runs from a SEPARATE virtual environment (never the project's .venv), given by --litellm-python or
the LITELLM_PROXY_PYTHON environment variable (default /tmp/litellm-proxy-venv/bin/python). ``litellm[proxy]``
does not resolve from our package index (its litellm-proxy-extras / litellm-enterprise pins are missing there), so
the venv is built by hand with litellm==1.110.2 (the project's pin) plus the proxy extra's other requirements:

    python3 -m venv /tmp/litellm-proxy-venv
    /tmp/litellm-proxy-venv/bin/pip install litellm==1.110.2 \\
        'gunicorn>=23.0.0,<24.0' 'uvicorn>=0.33.0,<1.0' 'granian>=2.7.4,<3.0' 'uvloop>=0.22.1,<1.0' \\
        'fastapi>=0.136.3,<1.0' 'starlette>=1.0.1,<2.0' 'backoff>=2.2.1,<3.0' 'pyyaml>=6.0.3,<7.0' \\
        'rq>=2.7.0,<3.0' 'orjson>=3.11.6,<4.0' 'hiredis>=3.0.0,<4.0' 'apscheduler>=3.11.2,<4.0' \\
        'fastapi-sso>=0.19.0,<1.0' 'pyjwt>=2.13.0,<3.0' 'python-multipart>=0.0.27,<1.0' \\
        'cryptography>=49.0.0,<51.0' 'pynacl>=1.6.2,<2.0' 'websockets>=15.0.1,<16.0' 'boto3>=1.43.117,<2.0' \\
        'azure-identity>=1.25.2,<2.0' 'azure-storage-blob>=12.28.0,<13.0' 'mcp>=2.3.0,<3' \\
        'httpx2>=2.10.0,<3' 'pydantic>=2.12.0,<3' 'restrictedpython>=8.5,<9.0' \\
        semver expression soundfile

(the list is the wheel's ``extra == 'proxy'`` requirements less litellm-proxy==1.110.2, litellm-proxy-extras and
litellm-enterprise; semver, expression and soundfile are imported by litellm.proxy.proxy_server at start-up but are
declared only by the missing packages.) Exit code 2 when that interpreter is missing or lacks the proxy.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from libs.common.embedded_nats import EmbeddedNats, free_port  # noqa: E402
from libs.common.settings import generate_token  # noqa: E402
from scripts.benchkit import cpu_seconds_of_group, gateway_env, percentile, start_upstream, wait_http  # noqa: E402
from services.embedded import ServiceGroup  # noqa: E402

DEFAULT_LITELLM_PYTHON = "/tmp/litellm-proxy-venv/bin/python"  # noqa: S108 (a path to run, written by hand)
VENV_HELP = __doc__[__doc__.index("    python3 -m venv"):__doc__.index("(the list is")].rstrip()

PROMPT = (
    "Summarise the following meeting notes for the team and list the action items with owners. "
    "The quarterly planning session covered the migration of the billing service, the hiring plan for the "
    "platform team, and the schedule for the next security review. "
) * 4
PROMPT = PROMPT[:1000]  # 1,000 characters, like a typical chat turn (the same prompt as bench_gateway.py)

# Nothing LiteLLM fetches on its own may leave the machine: the cost map is the bundled one, offline mode skips
# every catalog/tokenizer/release check, and its logging (uvicorn's too, so no access log) is at WARNING.
LITELLM_ENV = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true",
    "LITELLM_DISABLE_LATEST_RELEASE_CHECK": "true", "LITELLM_LOG": "WARNING",
    "DISABLE_ADMIN_UI": "True", "HF_HUB_OFFLINE": "1", "NO_PROXY": "127.0.0.1,localhost",
}

LITELLM_CONFIG = """\
model_list:
  - model_name: bench-model
    litellm_params:
      model: openai/bench-model
      api_base: {api_base}
      api_key: {api_key}
litellm_settings:
  telemetry: false
  set_verbose: false
  num_retries: 0
  callbacks: []
  success_callback: []
  failure_callback: []
general_settings:
  master_key: {master_key}
  disable_spend_logs: true
  disable_error_logs: true
"""


def check_litellm_python(python: str) -> None:
    if not Path(python).is_file():
        problem = f"{python} does not exist"
    else:
        probe = subprocess.run(  # find_spec only: importing litellm itself takes seconds
            [python, "-c", "import importlib.util as u, sys; "
             "sys.exit(0 if all(u.find_spec(m) for m in ('litellm', 'litellm_cli', 'fastapi', 'uvicorn', "
             "'apscheduler', 'backoff', 'orjson')) else 1)"],
            capture_output=True, timeout=60,
        )
        if probe.returncode == 0:
            return
        problem = f"{python} has no LiteLLM Proxy (litellm + its proxy dependencies)"
    sys.stderr.write(
        f"LiteLLM Proxy interpreter not found: {problem}.\n"
        "Point --litellm-python or LITELLM_PROXY_PYTHON at the python of a separate venv that has it, e.g.:\n\n"
        f"{VENV_HELP}\n"
    )
    raise SystemExit(2)


def stop_group(proc: subprocess.Popen[bytes] | None, timeout: float = 15) -> None:
    """SIGTERM a child started in a session of its own and all that it forked; SIGKILL what outlives the timeout."""
    if proc is None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(wait)
            # the leader is gone; make sure no worker of its group is left either
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return
        except subprocess.TimeoutExpired:
            continue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200, help="measured requests per path (default 200)")
    parser.add_argument("--warmup", type=int, default=30, help="warm-up requests per path (default 30)")
    parser.add_argument("--litellm-python", default=os.environ.get("LITELLM_PROXY_PYTHON", DEFAULT_LITELLM_PYTHON),
                        help="python of the separate LiteLLM Proxy venv (env LITELLM_PROXY_PYTHON; "
                             f"default {DEFAULT_LITELLM_PYTHON})")
    parser.add_argument("--litellm-workers", type=int, default=1,
                        help="LiteLLM Proxy uvicorn workers (default 1, like each of our services)")
    args = parser.parse_args()
    if not (1 <= args.n <= 10_000 and 0 <= args.warmup <= 1_000):
        parser.error("keep -n within 1..10000 and --warmup within 0..1000")
    check_litellm_python(args.litellm_python)

    tmp = Path(tempfile.mkdtemp(prefix="gw-vs-litellm-"))
    upstream_key = "sk-bench-" + generate_token("")
    master_key = "sk-" + generate_token("litellm-master-")
    up_port, ingress_port, control_port, litellm_port = free_port(), free_port(), free_port(), free_port()
    nats: EmbeddedNats | None = None
    upstream: subprocess.Popen[bytes] | None = None
    litellm: subprocess.Popen[bytes] | None = None
    group: ServiceGroup | None = None
    try:
        nats = EmbeddedNats(tmp / "nats").start()
        env = gateway_env(tmp, nats.url, ingress_port, control_port)
        upstream = start_upstream(up_port, upstream_key, env, ROOT)
        (tmp / "litellm.yaml").write_text(LITELLM_CONFIG.format(
            api_base=f"http://127.0.0.1:{up_port}/v1", api_key=upstream_key, master_key=master_key))
        litellm_env = {k: v for k, v in os.environ.items() if not k.startswith(("GW_", "VIRTUAL_ENV", "PYTHON"))}
        litellm_env.update(LITELLM_ENV)
        with open(tmp / "litellm.log", "wb") as litellm_log:
            litellm = subprocess.Popen(
                [args.litellm_python, "-c", "import sys; sys.argv[0] = 'litellm'; "
                 "from litellm_cli.main import proxy_server; proxy_server()",
                 "--config", str(tmp / "litellm.yaml"), "--host", "127.0.0.1", "--port", str(litellm_port),
                 "--num_workers", str(args.litellm_workers)],
                cwd=tmp, env=litellm_env, stdout=litellm_log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        group = ServiceGroup(env, log_dir=tmp).start()

        wait_http(f"http://127.0.0.1:{up_port}/docs", alive=lambda: upstream.poll() is None, what="the upstream")
        group.wait_ready(f"http://127.0.0.1:{control_port}/health")
        group.wait_ready(f"http://127.0.0.1:{ingress_port}/ready")
        wait_http(f"http://127.0.0.1:{litellm_port}/health/liveliness", timeout=120,
                  alive=lambda: litellm.poll() is None, what=f"LiteLLM Proxy (log: {tmp / 'litellm.log'})")
        admin = httpx.Client(base_url=f"http://127.0.0.1:{control_port}",
                             headers={"Authorization": f"Bearer {env['GW_ADMIN_TOKEN']}"})
        key_body = {"name": "bench", "provider": "openai", "model": "bench-model", "provider_api_key": upstream_key,
                    "api_base": f"http://127.0.0.1:{up_port}/v1"}
        key = admin.post("/admin/v1/keys", json=key_body).json()["key"]
        # The same route with every category off: the gateway's own cost, like for like with LiteLLM Proxy.
        off = {"actions": {c: "off" for c in ("prompt_injection", "pii", "secret", "policy")}}
        key_off = admin.post("/admin/v1/keys", json={**key_body, "name": "bench-off", "profile": off}).json()["key"]
        admin.close()

        body = {"model": "bench-model", "messages": [{"role": "user", "content": PROMPT}]}
        expected = f"echo: {PROMPT}"
        paths: dict[str, httpx.Client] = {
            "direct to upstream": httpx.Client(base_url=f"http://127.0.0.1:{up_port}/v1", timeout=30,
                                               headers={"Authorization": f"Bearer {upstream_key}"}),
            "through LiteLLM Proxy": httpx.Client(base_url=f"http://127.0.0.1:{litellm_port}/v1", timeout=30,
                                                  headers={"Authorization": f"Bearer {master_key}"}),
            "through our gateway": httpx.Client(base_url=f"http://127.0.0.1:{ingress_port}/v1", timeout=30,
                                                headers={"Authorization": f"Bearer {key}"}),
            "gateway, screening off": httpx.Client(base_url=f"http://127.0.0.1:{ingress_port}/v1", timeout=30,
                                                   headers={"Authorization": f"Bearer {key_off}"}),
        }

        def timed(name: str) -> float:
            t0 = time.perf_counter()
            resp = paths[name].post("/chat/completions", json=body)
            elapsed = (time.perf_counter() - t0) * 1000
            if resp.status_code != 200:
                raise RuntimeError(f"{name}: {resp.status_code}: {resp.text[:300]}")
            content = resp.json()["choices"][0]["message"]["content"]
            if content != expected:  # every path must really reach the upstream and return its whole answer
                raise RuntimeError(f"{name}: unexpected answer {content[:120]!r}")
            return elapsed

        deadline = time.monotonic() + 120  # guard and router load models after they report started
        for name in paths:
            while True:
                try:
                    timed(name)
                    break
                except (RuntimeError, httpx.HTTPError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)

        names = list(paths)

        def round_order(i: int) -> list[str]:  # rotate, so no path always goes first or right after another
            k = i % len(names)
            return names[k:] + names[:k]

        for i in range(args.warmup):
            for name in round_order(i):
                timed(name)

        pgids = {name: proc.pid for name, proc in group.procs.items()}  # each service is its own session
        pgids.update({"nats-server": nats.proc.pid, "upstream": upstream.pid,  # type: ignore[union-attr]
                      "litellm-proxy": litellm.pid})  # all started with start_new_session, so group leaders
        cpu_before = {name: cpu_seconds_of_group(pgid) for name, pgid in pgids.items()}
        me_before = sum(os.times()[:2])
        samples: dict[str, list[float]] = {name: [] for name in names}
        wall0 = time.monotonic()
        for i in range(args.n):
            for name in round_order(i):
                samples[name].append(timed(name))
        wall = time.monotonic() - wall0
        time.sleep(1)  # let the audit trail (and any async logging) catch up: it is part of each request's cost
        cpu = {name: (cpu_seconds_of_group(pgid) - cpu_before[name]) * 1000 / args.n for name, pgid in pgids.items()}
        cpu["bench client"] = (sum(os.times()[:2]) - me_before) * 1000 / args.n

        stats = {name: {"p50": percentile(xs, 50), "p90": percentile(xs, 90), "p99": percentile(xs, 99),
                        "mean": statistics.fmean(xs)} for name, xs in samples.items()}
        sd, sl, sg, so = (stats[name] for name in names)
        print(f"{args.n} sequential requests per path after {args.warmup} warm-ups, interleaved round by round; "
              f"~{len(PROMPT)}-char prompt; loopback upstream; LiteLLM Proxy {args.litellm_workers} worker(s), "
              f"master key, no DB/guardrails/callbacks; our gateway with full screening; {wall:.1f}s wall")
        print(f"{'path':<26}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'mean ms':>9}{'min ms':>9}{'max ms':>9}")
        for name, xs in samples.items():
            s = stats[name]
            print(f"{name:<26}{s['p50']:>9.2f}{s['p90']:>9.2f}{s['p99']:>9.2f}{s['mean']:>9.2f}"
                  f"{min(xs):>9.2f}{max(xs):>9.2f}")
        for label, s in (("LiteLLM Proxy", sl), ("our gateway", sg), ("gateway, screening off", so)):
            print(f"{label + ' added latency over direct:':<52}" + ", ".join(
                f"{q} {s[q] - sd[q]:.2f} ms" for q in ("p50", "p90", "p99", "mean")))
        for label, s in (("gateway", sg), ("gateway, screening off", so)):
            for q in ("p50", "p99"):
                added = (s[q] - sd[q]) / (sl[q] - sd[q]) if sl[q] - sd[q] > 0 else float("nan")
                print(f"ratio {label} / LiteLLM Proxy at {q}: total latency {s[q] / sl[q]:.2f}x, "
                      f"added latency {added:.2f}x")
        print("CPU ms per round (one request on each path; upstream serves all three): "
              + ", ".join(f"{n} {v:.2f}" for n, v in cpu.items()))
        for client in paths.values():
            client.close()
    finally:
        if group is not None:
            group.stop()
        stop_group(litellm)
        stop_group(upstream)
        if nats is not None:
            nats.stop()


if __name__ == "__main__":
    main()
