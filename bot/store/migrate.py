"""Applies Alembic migrations from code, on the caller's event loop.

On PostgreSQL the upgrade runs under a transaction-scoped advisory lock, so
replicas that start together migrate one after another instead of racing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from bot.store.engine import SQLITE_BUSY_MS, Database, tune_sqlite

MIGRATIONS = Path(__file__).parent / "migrations"
ADVISORY_LOCK_ID = 0x70726570  # "prep"


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (creating the SQLite file when missing)."""
    if _sqlite_file(db):
        await asyncio.to_thread(_upgrade_sqlite_file, db, revision)
        return
    async with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_ID})"))
        await conn.run_sync(_upgrade, revision)


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


def _sqlite_file(db: Database) -> bool:
    """A SQLite database in a file (an in-memory one exists only on the engine's own connection)."""
    name = db.url.database or ""
    return (
        db.url.get_backend_name() == "sqlite"
        and name not in ("", ":memory:")
        and "memory" not in str(db.url.query.get("mode", ""))
    )


def _upgrade_sqlite_file(db: Database, revision: str) -> None:
    """The upgrade on one plain ``sqlite3`` connection, in the calling thread.

    Alembic issues well over a thousand statements and reflections for a fresh
    file; through the async driver each one is a round trip to aiosqlite's thread
    (most of a fresh migration's time). The connection is tuned as the server's
    are (WAL, busy timeout, foreign keys, ``BEGIN IMMEDIATE``) and the whole
    upgrade is one transaction, as on the async engine.
    """
    engine = create_engine(
        db.url.set(drivername="sqlite"),
        poolclass=NullPool,
        connect_args={"timeout": SQLITE_BUSY_MS / 1000},
    )
    tune_sqlite(engine)
    try:
        with engine.begin() as conn:
            _upgrade(conn, revision)
    finally:
        engine.dispose()


async def current_revision(db: Database) -> str | None:
    """The revision the database is at, or None for an empty one."""
    from alembic.runtime.migration import MigrationContext

    async with db.engine.connect() as conn:
        return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


async def downgrade(db: Database, revision: str) -> None:
    """Take the schema back to ``revision`` (``base`` empties it), under the same lock as upgrades."""
    async with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_ID})"))
        await conn.run_sync(_downgrade, revision)


def _downgrade(connection: Connection, revision: str) -> None:
    command.downgrade(alembic_config(connection), revision)


def history() -> list[tuple[str, str | None, str]]:
    """Every revision, newest first: (revision, the one before it, its title)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    found: list[tuple[str, str | None, str]] = []
    for script in scripts.walk_revisions():
        down = script.down_revision
        before = down if isinstance(down, str) or down is None else ",".join(down)
        found.append(
            (script.revision, before, (script.doc or "").strip().splitlines()[0] if script.doc else "")
        )
    return found


def known_revision(revision: str) -> bool:
    """Whether ``revision`` names a migration (or ``base``), checked before anything runs."""
    return revision == "base" or any(rev == revision for rev, _, _ in history())
