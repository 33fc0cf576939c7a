"""Composition root of the control service: settings in, database, key ring and outbox relay out."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from libs.common.db import make_engine, make_sessionmaker, upgrade
from libs.common.keyring_loader import load_keyring
from libs.common.keys import KeyRing
from libs.common.settings import Settings
from services.control.relay import OutboxRelay

log = logging.getLogger(__name__)


@dataclass
class Control:
    """Everything a control use case needs; built once per process by :func:`build`."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    keyring: KeyRing
    relay: OutboxRelay
    upgrade_schema: bool = field(default=True)

    def changed(self) -> None:
        """Call after committing outbox rows: the relay publishes them now instead of at its next poll."""
        self.relay.wake()


def build(settings: Settings, *, upgrade_schema: bool = True, poll_interval: float = 1.0) -> Control:
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    relay = OutboxRelay(sessions, settings.nats_url, poll_interval=poll_interval)
    return Control(settings, engine, sessions, load_keyring(settings), relay, upgrade_schema)


async def start(ctl: Control) -> None:
    """Upgrade the schema to head (``gateway run control`` does this on every start), then start the relay."""
    if ctl.upgrade_schema:
        await upgrade(ctl.settings.database_url)
    await ctl.relay.start()
    log.info("control service started (relay polling every %.1fs)", ctl.relay.poll_interval)


async def stop(ctl: Control) -> None:
    await ctl.relay.stop()
    await ctl.engine.dispose()
