"""Composition root of the guard worker: FastStream subscribers in queue group ``guard``."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Callable

from faststream import FastStream
from faststream.nats import NatsMessage

from libs.common import subjects
from libs.common.bus import AuditPublisher, ensure_audit_stream, make_broker
from libs.common.messages import Failed, ResponseVerdict, ScanText, ScreenChat, ScreenResponse, SecurityAssessment
from libs.common.settings import Settings
from services.guard.service import Guard, Pipeline


def default_pipeline(settings: Settings) -> Pipeline:
    from services.guard.engine.config import GuardConfig
    from services.guard.engine.pipeline import GuardPipeline

    config = GuardConfig()
    if settings.env == "production" and "GW_GUARD_REQUIRE_ALL_DETECTORS" not in os.environ:
        # In production a detector that cannot load stops the guard instead of screening with less.
        config = config.model_copy(update={"require_all_detectors": True})
    return GuardPipeline.build(config)


def build_app(
    settings: Settings, make_pipeline: Callable[[Settings], Pipeline] = default_pipeline
) -> FastStream:
    broker = make_broker(settings, "guard")
    app = FastStream(broker)
    state: dict[str, Guard] = {}

    # Screening is CPU-bound: a few in flight keep the core busy while one waits on a thread or the bus.
    @broker.subscriber(subjects.SCREEN_CHAT, queue=subjects.GUARD_QUEUE, no_reply=True, max_workers=4)
    async def screen_chat(request: ScreenChat, msg: NatsMessage) -> None:
        await state["guard"].handle(request, msg.reply_to, msg.headers)

    @broker.subscriber(subjects.SCAN_TEXT, queue=subjects.GUARD_QUEUE)
    async def scan_text(request: ScanText) -> SecurityAssessment | Failed:
        return await state["guard"].scan(request)

    @broker.subscriber(subjects.ping_subject("guard"), queue=subjects.GUARD_QUEUE)
    async def ping() -> str:
        return "pong"

    @broker.subscriber(subjects.SCREEN_RESPONSE, queue=subjects.GUARD_QUEUE)
    async def screen_response(request: ScreenResponse) -> ResponseVerdict:
        return await state["guard"].screen_response(request)

    @app.on_startup
    async def start() -> None:
        # Models load before the subscribers start, so the first request is not the slow one.
        pipeline = await asyncio.to_thread(make_pipeline, settings)
        # What is loaded now (models, tokenizers, recognizer tables: ~460,000 Python objects) lives as long as the
        # worker, yet every full garbage collection would walk it all: 285 ms, stalling each screening in flight.
        # Frozen, the collector leaves it alone.
        gc.freeze()
        nc = await broker.connect()
        js = nc.jetstream()
        await ensure_audit_stream(js)
        state["guard"] = Guard(nc, pipeline, AuditPublisher(js), settings.screen_timeout)

    @app.on_shutdown
    async def stop() -> None:
        if "guard" in state:
            await state["guard"].close()

    return app
