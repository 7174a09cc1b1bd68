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
    """The snapshot text of the SQLite file at ``path``, the same for the same schema.

    Tables come in creation order, each followed by its indexes by name. Alembic's
    batch mode rebuilds a table from reflection, which lists foreign keys in no fixed
    order: a table's foreign keys are put in order too, so a snapshot changes only
    where a migration changed the schema.
    """
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master"
            " WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        ).fetchall()
    finally:
        conn.close()
    statements = []
    for kind, name, _, sql in rows:
        if kind == "table":
            statements.append(_foreign_keys_in_order(sql))
            statements += sorted(s for k, _, t, s in rows if k != "table" and t == name)
    header = (
        f"-- revision: {HEAD}\n"
        "-- The schema the migrations build on a new SQLite file, which bot/store/schema.py\n"
        f"-- loads into new files instead. Written by `{REGENERATE}`; do not edit.\n"
    )
    return header + "".join(f"\n{sql};\n" for sql in statements)


def _foreign_keys_in_order(sql: str) -> str:
    """``CREATE TABLE`` text with its ``FOREIGN KEY`` clauses sorted, the rest (and all spacing) kept."""
    start, end = sql.index("(") + 1, sql.rindex(")")
    items, depth, last = [], 0, start
    for at in range(start, end):
        depth += {"(": 1, ")": -1}.get(sql[at], 0)
        if sql[at] == "," and depth == 0:
            items.append(sql[last:at])
            last = at + 1
    items.append(sql[last:end])
    stripped = [item.strip() for item in items]
    keys = iter(sorted(item for item in stripped if item.startswith("FOREIGN KEY")))
    rebuilt = [
        raw.replace(item, next(keys)) if item.startswith("FOREIGN KEY") else raw
        for raw, item in zip(items, stripped, strict=True)
    ]
    return sql[:start] + ",".join(rebuilt) + sql[end:]


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
