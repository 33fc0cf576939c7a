"""Latency through the whole gateway vs straight to the same loopback upstream, in one run.

Starts an embedded NATS, SQLite, the five services as processes and an OpenAI-compatible upstream process, then
sends N sequential chat requests alternately to the upstream directly and through the gateway (full screening on),
and prints p50/p90/p99 for both and the gateway's added latency.
Usage: just bench  (or: python scripts/bench_gateway.py -n 200)
"""

from __future__ import annotations

import argparse
import statistics
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

PROMPT = (
    "Summarise the following meeting notes for the team and list the action items with owners. "
    "The quarterly planning session covered the migration of the billing service, the hiring plan for the "
    "platform team, and the schedule for the next security review. "
) * 4
PROMPT = PROMPT[:1000]  # 1,000 characters, like a typical chat turn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=200, help="requests per path")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="gw-bench-"))
    nats = EmbeddedNats(tmp / "nats").start()
    upstream_key = "sk-bench-" + generate_token("")
    up_port, ingress_port, control_port = free_port(), free_port(), free_port()
    env = gateway_env(tmp, nats.url, ingress_port, control_port)
    # The same prompt every request: with the guard's results cache each one after the first would be a cache hit,
    # not the screening of a new prompt this measures.
    env["GW_GUARD_CACHE_TEXTS"] = "0"
    upstream = start_upstream(up_port, upstream_key, env, ROOT)
    group = ServiceGroup(env, log_dir=tmp).start()
    try:
        wait_http(f"http://127.0.0.1:{up_port}/docs")
        group.wait_ready(f"http://127.0.0.1:{control_port}/health")
        group.wait_ready(f"http://127.0.0.1:{ingress_port}/ready")
        admin = httpx.Client(base_url=f"http://127.0.0.1:{control_port}",
                             headers={"Authorization": f"Bearer {env['GW_ADMIN_TOKEN']}"})
        key = admin.post("/admin/v1/keys", json={
            "name": "bench", "provider": "openai", "model": "bench-model", "provider_api_key": upstream_key,
            "api_base": f"http://127.0.0.1:{up_port}/v1",
        }).json()["key"]
        body = {"model": "bench-model", "messages": [{"role": "user", "content": PROMPT}]}
        direct = httpx.Client(base_url=f"http://127.0.0.1:{up_port}/v1",
                              headers={"Authorization": f"Bearer {upstream_key}"}, timeout=30)
        gateway = httpx.Client(base_url=f"http://127.0.0.1:{ingress_port}/v1",
                               headers={"Authorization": f"Bearer {key}"}, timeout=30)

        def timed(client: httpx.Client) -> float:
            t0 = time.perf_counter()
            resp = client.post("/chat/completions", json=body)
            elapsed = (time.perf_counter() - t0) * 1000
            if resp.status_code != 200:
                raise RuntimeError(f"{resp.status_code}: {resp.text[:300]}")
            return elapsed

        deadline = time.monotonic() + 120  # guard and router load models after they report started
        while True:
            try:
                timed(gateway)
                break
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        for _ in range(30):
            timed(direct), timed(gateway)
        pids = {name: proc.pid for name, proc in group.procs.items()}
        pids.update({"nats-server": nats.proc.pid, "upstream": upstream.pid})  # type: ignore[union-attr]
        cpu_before = {name: cpu_seconds_of_group(pid) for name, pid in pids.items()}
        d, g = [], []
        for _ in range(args.n):  # alternate, so machine noise hits both paths alike
            d.append(timed(direct))
            g.append(timed(gateway))
        time.sleep(1)  # let the audit trail catch up, it is part of each request's cost
        cpu = {name: (cpu_seconds_of_group(pid) - cpu_before[name]) * 1000 / args.n for name, pid in pids.items()}
        print(f"{args.n} sequential requests, ~{len(PROMPT)}-char prompt, full screening, loopback upstream")
        print(f"{'path':<28}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'mean ms':>9}")
        for name, xs in (("direct to upstream", d), ("through the gateway", g)):
            print(f"{name:<28}{percentile(xs, 50):>9.2f}{percentile(xs, 90):>9.2f}{percentile(xs, 99):>9.2f}"
                  f"{statistics.fmean(xs):>9.2f}")
        print(f"gateway added latency: p50 {percentile(g, 50) - percentile(d, 50):.2f} ms, "
              f"p99 {percentile(g, 99) - percentile(d, 99):.2f} ms "
              f"(ratio p50 {percentile(g, 50) / percentile(d, 50):.2f}x)")
        print("CPU ms per request pair: " + ", ".join(f"{n} {v:.2f}" for n, v in cpu.items()))
    finally:
        group.stop()
        upstream.terminate()
        upstream.wait()
        nats.stop()


if __name__ == "__main__":
    main()
