"""All five services as real processes on real NATS and Postgres, with an OpenAI-compatible upstream on loopback."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from libs.common.embedded_nats import free_port
from libs.common.keys import new_kek
from libs.common.settings import generate_token
from services.embedded import ServiceGroup
from tests.e2e.upstream import Upstream

pytestmark = pytest.mark.e2e


@dataclass
class Gateway:
    ingress_url: str
    control_url: str
    admin_token: str
    upstream: Upstream
    logs: Path
    group: ServiceGroup | None = None
    plaintexts: list[str] = field(default_factory=list)

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=self.control_url, headers={"Authorization": f"Bearer {self.admin_token}"})

    def create_key(self, **overrides: object) -> dict:
        body = {"name": "e2e", "provider": "openai", "model": "gpt-e2e", "provider_api_key": self.upstream.api_key,
                "api_base": self.upstream.base_url, **overrides}
        with self.admin() as admin:
            resp = admin.post("/admin/v1/keys", json=body)
        assert resp.status_code == 201, resp.text
        created = resp.json()
        self.plaintexts.append(created["key"])
        return created

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logs.glob("*.log")))


@pytest.fixture(scope="session")
def gateway(nats_url: str, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    logs = tmp_path_factory.mktemp("gateway-logs")
    upstream = Upstream(api_key="sk-upstream-" + generate_token("")).start()
    ingress_port, control_port = free_port(), free_port()
    admin_token = generate_token("gwadmin-")
    env = {
        **os.environ,
        "GW_NATS_URL": nats_url, "GW_DATABASE_URL": database_url, "GW_ADMIN_TOKEN": admin_token,
        "GW_KEK": new_kek(), "GW_DATA_DIR": str(logs), "GW_INGRESS_PORT": str(ingress_port),
        "GW_CONTROL_PORT": str(control_port), "GW_SCREEN_TIMEOUT": "10", "GW_UPSTREAM_RETRIES": "0",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONUNBUFFERED": "1",
    }
    gw = Gateway(f"http://127.0.0.1:{ingress_port}", f"http://127.0.0.1:{control_port}", admin_token, upstream, logs)
    gw.plaintexts.append(upstream.api_key)
    gw.group = ServiceGroup(env, log_dir=logs).start()
    try:
        try:
            gw.group.wait_ready(f"{gw.control_url}/health")
            gw.group.wait_ready(f"{gw.ingress_url}/ready")
            _wait_until_serving(gw)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{gw.log_text()[-5000:]}") from None
        yield gw
    finally:
        gw.group.stop()
        upstream.stop()


def _wait_until_serving(gw: Gateway, timeout: float = 120) -> None:
    """Guard and router load their models after start; wait until a request makes the whole round trip."""
    key = gw.create_key(name="warm-up")["key"]
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = httpx.post(
                f"{gw.ingress_url}/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
                json={"messages": [{"role": "user", "content": "warm up"}]}, timeout=30,
            )
            if last.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    detail = f"{last.status_code} {last.text}" if last is not None else "no answer"
    raise RuntimeError(f"gateway never served a request: {detail}")
