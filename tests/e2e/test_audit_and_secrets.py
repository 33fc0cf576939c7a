"""What a security team checks after the fact: the audit trail, and that no key leaked anywhere."""

from __future__ import annotations

import asyncio
import json
import time

import asyncpg
import openai
import pytest
from sqlalchemy.engine import make_url

from tests.e2e.conftest import Gateway

pytestmark = pytest.mark.e2e


def _rows(database_url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)

    async def fetch() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(dsn)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    return asyncio.run(fetch())


def test_blocked_and_completed_requests_reach_the_audit_trail(gateway: Gateway, database_url: str) -> None:
    created = gateway.create_key(name="audited")
    c = openai.OpenAI(api_key=created["key"], base_url=f"{gateway.ingress_url}/v1", max_retries=0)
    c.chat.completions.create(model="gpt-e2e", messages=[{"role": "user", "content": "audit me"}])
    with pytest.raises(openai.BadRequestError):
        c.chat.completions.create(model="gpt-e2e", messages=[{"role": "user", "content": "card 5500 0000 0000 0004"}])
    deadline = time.monotonic() + 10
    rows: list[asyncpg.Record] = []
    while time.monotonic() < deadline:
        rows = _rows(database_url, "SELECT * FROM audit_events WHERE key_id = $1", created["id"])
        kinds = sorted(r["kind"] for r in rows)
        if kinds == ["blocked", "completed", "screened"]:
            break
        time.sleep(0.2)
    assert sorted(r["kind"] for r in rows) == ["blocked", "completed", "screened"]
    blocked = next(r for r in rows if r["kind"] == "blocked")
    assert blocked["violated_rule"] == "PII Detection"
    assert blocked["status"] == 400
    stored = str(dict(blocked))  # the card number itself, not any "5500" that a timestamp happens to contain
    assert "5500 0000 0000 0004" not in stored and "5500000000000004" not in stored
    completed = next(r for r in rows if r["kind"] == "completed")
    assert completed["status"] == 200
    assert json.loads(completed["usage"])["prompt_tokens"] == 5


def test_no_plaintext_key_in_logs_or_audit_rows(gateway: Gateway, database_url: str) -> None:
    created = gateway.create_key(name="leak-check")
    c = openai.OpenAI(api_key=created["key"], base_url=f"{gateway.ingress_url}/v1", max_retries=0)
    c.chat.completions.create(model="gpt-e2e", messages=[{"role": "user", "content": "hello"}])
    with pytest.raises(openai.InternalServerError):
        c.chat.completions.create(model="gpt-e2e", messages=[{"role": "user", "content": "UPSTREAM_STATUS=503"}])
    time.sleep(1)
    logs = gateway.log_text()
    audit = str([dict(r) for r in _rows(database_url, "SELECT * FROM audit_events")])
    assert logs, "the services wrote no logs at all"
    for secret in gateway.plaintexts:
        assert secret not in logs
        assert secret not in audit
