"""The gateway's database: SQLAlchemy 2 models, the async engine factory and Alembic migrations.

Postgres (asyncpg) in production, SQLite (aiosqlite) for the embedded default. The schema is created and upgraded
only by :func:`upgrade` (which ``gateway db upgrade`` and the control service's start-up call), never at import.
"""

from libs.common.db.engine import make_engine, make_sessionmaker
from libs.common.db.migrate import upgrade

__all__ = ["make_engine", "make_sessionmaker", "upgrade"]
