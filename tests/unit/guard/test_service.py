"""Guard.handle's answers on the ingress inbox, with the real pipeline (fake models) and a recording bus."""

from __future__ import annotations

import json

from libs.common import subjects
from libs.common.messages import Failed, KeyProfile, ScanText, ScreenChat
from services.guard.engine.config import GuardConfig
from services.guard.engine.pipeline import GuardPipeline
from services.guard.service import Guard


class RecordingBus:
    def __init__(self) -> None:
        self.published: list[tuple[str, dict]] = []

    async def publish(self, subject: str, data: bytes, reply: str = "", headers: dict | None = None) -> None:
        self.published.append((subject, json.loads(data)))


async def test_a_request_the_guard_cannot_read_is_answered_400_even_fail_open(pii_detector, fake_injection) -> None:
    pipeline = GuardPipeline([pii_detector, fake_injection], GuardConfig())
    bus = RecordingBus()
    guard = Guard(bus, pipeline, None, 2.0)  # type: ignore[arg-type]
    body = {"messages": [{"role": "assistant", "content": None, "tool_calls": [{"id": "t", "function": "x"}]}]}
    req = ScreenChat(request_id="r1", key_id="k", tenant="t", model="m", body=body, profile=KeyProfile(fail_open=True))
    await guard.handle(req, "_INBOX.1")
    assert [s for s, _ in bus.published] == ["_INBOX.1"]
    error = bus.published[0][1]["error"]
    assert error["status"] == 400 and error["type"] == "invalid_request_error"
    assert "/messages/0/tool_calls/0/function is not an object" in error["message"]
    assert subjects.ROUTE_CHAT not in [s for s, _ in bus.published]
    pipeline.close()


async def test_more_text_than_the_guard_screens_is_answered_413(pii_detector, fake_injection) -> None:
    pipeline = GuardPipeline([pii_detector, fake_injection], GuardConfig(max_screened_chars=1_000))
    bus = RecordingBus()
    guard = Guard(bus, pipeline, None, 2.0)  # type: ignore[arg-type]
    body = {"messages": [{"role": "system", "content": "x" * 600}, {"role": "user", "content": "y" * 600}]}
    req = ScreenChat(request_id="r2", key_id="k", tenant="t", model="m", body=body, profile=KeyProfile(fail_open=True))
    await guard.handle(req, "_INBOX.2")
    (subject, answer), = bus.published
    assert subject == "_INBOX.2" and answer["error"]["status"] == 413
    assert answer["error"]["code"] == "request_too_large"
    scan = await guard.scan(ScanText(request_id="r3", key_id="k", text="z" * 1_001, profile=KeyProfile()))
    assert isinstance(scan, Failed) and scan.error.status == 413
    pipeline.close()
