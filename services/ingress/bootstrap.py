"""Composition root of ingress: one NATS connection, the key cache, the inbox mux and the rate limiter."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from libs.common import bus
from libs.common.errors import GatewayTimeout, ServiceUnavailable
from libs.common.keycache import KeyCache
from libs.common.ratelimit import RateLimiter
from libs.common.settings import Settings
from services.ingress.chat import ChatRelay
from services.ingress.inbox import InboxMux


class Limiter(Protocol):
    async def hit(self, key_id: str, limit: int) -> tuple[bool, int]: ...


@dataclass
class Ingress:
    nc: Client
    keys: KeyCache
    mux: InboxMux
    relay: ChatRelay
    limiter: Limiter | None = None

    async def request(self, subject: str, payload: bytes, timeout: float) -> bytes:
        try:
            msg = await self.nc.request(subject, payload, timeout=timeout)
        except NoRespondersError:
            raise ServiceUnavailable("No guard worker is available to screen the text.") from None
        except (TimeoutError, NatsTimeout):
            raise GatewayTimeout(f"Screening did not finish within {timeout:g}s.") from None
        return msg.data

    async def close(self) -> None:
        await self.keys.stop()
        await self.mux.stop()
        await self.nc.drain()


async def start_ingress(settings: Settings) -> Ingress:
    keys = KeyCache()
    nc = await bus.connect(settings.nats_url, name="gateway-ingress", on_reconnect=[keys.resync])
    await keys.start(nc.jetstream())
    mux = InboxMux(nc, uuid.uuid4().hex[:12])
    await mux.start()
    limiter = RateLimiter(nc.jetstream())
    return Ingress(nc=nc, keys=keys, mux=mux, relay=ChatRelay(nc, mux, settings), limiter=limiter)
