"""Composition root of the router worker: FastStream subscriber in queue group ``router``."""

from __future__ import annotations

from collections.abc import Callable

from faststream import FastStream
from faststream.nats import NatsMessage

from libs.common import subjects
from libs.common.bus import AuditPublisher, ensure_audit_stream, make_broker
from libs.common.keycache import KeyCache
from libs.common.keys import KeyRing
from libs.common.messages import RouteChat
from libs.common.settings import Settings
from services.router.service import Router


def build_app(settings: Settings, load_keyring: Callable[[Settings], KeyRing] | None = None) -> FastStream:
    keys = KeyCache()
    broker = make_broker(settings, "router", on_reconnect=[keys.resync])
    app = FastStream(broker)
    state: dict[str, Router] = {}

    @broker.subscriber(subjects.ROUTE_CHAT, queue=subjects.ROUTER_QUEUE, no_reply=True, max_workers=256)
    async def route_chat(request: RouteChat, msg: NatsMessage) -> None:
        await state["router"].handle(request, msg.reply_to, msg.headers)

    @broker.subscriber(subjects.ping_subject("router"), queue=subjects.ROUTER_QUEUE)
    async def ping() -> str:
        return "pong"

    @app.on_startup
    async def start() -> None:
        # Warm the key cache before the subscriber takes its first request.
        if load_keyring is None:
            from libs.common.keyring_loader import load_keyring as loader
        else:
            loader = load_keyring
        nc = await broker.connect()
        js = nc.jetstream()
        await ensure_audit_stream(js)
        await keys.start(js)
        state["router"] = Router(nc, keys, loader(settings), AuditPublisher(js), settings)

    @app.on_shutdown
    async def stop() -> None:
        await keys.stop()
        if "router" in state:
            await state["router"].close()

    return app
