"""Programmatic Alembic: upgrade any database URL to the newest schema from inside a running event loop."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from libs.common.db.engine import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic config without an ini file; the migrations ship inside the package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if database_url:
        # ConfigParser interpolation treats "%" specially (URL-encoded passwords).
        cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade the database at ``database_url`` (asyncpg or aiosqlite) to ``revision``. Safe to run repeatedly."""
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_on, alembic_config(database_url), revision)
    finally:
        await engine.dispose()


def _upgrade_on(connection: Connection, cfg: Config, revision: str) -> None:
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


async def current_revision(database_url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await engine.dispose()
