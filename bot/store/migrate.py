"""Applies Alembic migrations from code, on the caller's event loop.

On PostgreSQL the upgrade runs under a transaction-scoped advisory lock, so
replicas that start together migrate one after another instead of racing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.store.engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"
ADVISORY_LOCK_ID = 0x70726570  # "prep"


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (creating the SQLite file when missing)."""
    async with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_ID})"))
        await conn.run_sync(_upgrade, revision)


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


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
