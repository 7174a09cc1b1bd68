"""Writes the head schema snapshot (``migrations/schema.sql``): ``make schema-snapshot``.

The snapshot is what every migration builds on a new SQLite file, read back from
``sqlite_master`` in creation order, so a new file made from it is the file the
migrations would have made (tests/test_schema_snapshot.py compares the two). Run it
after adding or changing a migration, once :data:`bot.store.schema.HEAD` names the
newest one.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
from pathlib import Path

from bot.store.schema import HEAD, SNAPSHOT

REGENERATE = "make schema-snapshot"  # also: python -m bot.store.snapshot


def script_head() -> str | None:
    """The newest migration, read from alembic's scripts."""
    from alembic.script import ScriptDirectory

    from bot.store.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def build_through_migrations(path: Path) -> None:
    """A new SQLite file at ``path``, built by alembic through every migration."""
    from bot.store.engine import Database
    from bot.store.migrate import upgrade

    async def run() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await upgrade(db)
        finally:
            await db.dispose()

    asyncio.run(run())


def dump(path: Path) -> str:
    """The snapshot text of the SQLite file at ``path``: its schema statements in creation order."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        ).fetchall()
    finally:
        conn.close()
    header = (
        f"-- The schema at alembic revision {HEAD}, as the migrations build it on SQLite.\n"
        f"-- Written by `{REGENERATE}`; do not edit (bot/store/schema.py loads it into new files).\n"
    )
    return header + "".join(f"\n{sql};\n" for (sql,) in rows)


def main() -> int:
    head = script_head()
    if head != HEAD:
        print(f"bot/store/schema.py: HEAD is {HEAD!r} but the newest migration is {head!r}: set HEAD first.")
        return 1
    with tempfile.TemporaryDirectory(prefix="prepbot-snapshot-") as folder:
        built = Path(folder) / "head.db"
        build_through_migrations(built)
        SNAPSHOT.write_text(dump(built), encoding="utf-8")
    print(f"wrote {SNAPSHOT} at revision {HEAD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
