"""The head schema snapshot a new SQLite file is made from, against the migrations it stands for.

A file built by alembic through every migration and one made from the snapshot
must hold the same schema (tables with their columns and constraints, indexes,
foreign keys) and the same ``alembic_version``; a file made from the snapshot then
migrates with alembic like any other. A database at head is recognised without
alembic, and everything else (older, unknown, foreign) is left to alembic untouched.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory

from bot.store import schema
from bot.store.engine import Database
from bot.store.migrate import alembic_config, current_revision, downgrade, upgrade
from bot.store.schema import HEAD, SNAPSHOT, at_head, current, prepare_sqlite, ready, ready_async
from bot.store.snapshot import REGENERATE, build_through_migrations, dump

CONSTRAINT = re.compile(r"^(CONSTRAINT|PRIMARY KEY|FOREIGN KEY|UNIQUE|CHECK)\b", re.IGNORECASE)


def _items(body: str) -> list[str]:
    """The top-level comma-separated items of a CREATE TABLE body."""
    items, depth, current = [], 0, ""
    for char in body:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(" ".join(current.split()))
            current = ""
        else:
            current += char
    return [*items, " ".join(current.split())]


def _normalised(sql: str) -> str:
    """DDL with whitespace collapsed and a table's constraints sorted.

    Alembic's batch mode rebuilds a table from reflection, which lists its foreign
    keys (and so the indexes re-created after them) in no fixed order: the order of
    a table's constraints and of its indexes says nothing about the schema.
    """
    head, paren, rest = sql.partition("(")
    if not head.upper().startswith("CREATE TABLE") or not paren:
        return " ".join(sql.split())
    body = rest[: rest.rindex(")")]
    items = _items(body)
    columns = [item for item in items if not CONSTRAINT.match(item)]
    constraints = sorted(item for item in items if CONSTRAINT.match(item))
    return f"{' '.join(head.split())} ({', '.join(columns + constraints)})"


def describe(path: Path) -> dict[str, Any]:
    """Everything about a SQLite file's schema that a query or a migration can see."""
    conn = sqlite3.connect(path)
    try:
        master = sorted(
            (kind, name, table, _normalised(sql) if sql else None)
            for kind, name, table, sql in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
        )
        tables = [name for kind, name, _, _ in master if kind == "table"]
        columns = {t: conn.execute(f'PRAGMA table_xinfo("{t}")').fetchall() for t in tables}
        keys = {t: sorted(row[2:] for row in conn.execute(f'PRAGMA foreign_key_list("{t}")')) for t in tables}
        indexes = {
            t: sorted(
                (unique, origin, partial, tuple(c[2] for c in conn.execute(f'PRAGMA index_info("{name}")')))
                for _, name, unique, origin, partial in conn.execute(f'PRAGMA index_list("{t}")')
            )
            for t in tables
        }
        return {
            "sqlite_master": master,
            "columns": columns,
            "foreign keys": keys,
            "indexes": indexes,
            "alembic_version": conn.execute("SELECT * FROM alembic_version").fetchall(),
            "journal_mode": conn.execute("PRAGMA journal_mode").fetchall(),
        }
    finally:
        conn.close()


def _url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def test_head_names_the_newest_migration() -> None:
    newest = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert newest == HEAD, (
        f"a migration was added: set HEAD = {newest!r} in bot/store/schema.py, then run `{REGENERATE}`"
    )


def test_migration_files_sort_in_chain_order_and_the_newest_is_named_after_its_revision() -> None:
    # bot.store.schema.current() finds the newest migration by file name, without alembic.
    scripts = ScriptDirectory.from_config(alembic_config())
    chain = [Path(script.path).name for script in reversed(list(scripts.walk_revisions()))]
    assert chain == sorted(chain)
    assert chain == sorted(p.name for p in (schema.MIGRATIONS / "versions").glob("[0-9]*.py"))
    assert chain[-1] == f"{scripts.get_current_head()}.py"


def test_a_file_made_from_the_snapshot_is_the_file_the_migrations_make(tmp_path: Path) -> None:
    build_through_migrations(tmp_path / "migrated.db")
    assert current()
    assert prepare_sqlite(str(tmp_path / "snapshot.db")) is True
    migrated, snapshot = describe(tmp_path / "migrated.db"), describe(tmp_path / "snapshot.db")
    assert snapshot == migrated, f"the schema snapshot is stale: run `{REGENERATE}` and commit it"
    assert snapshot["alembic_version"] == [(HEAD,)]
    stale = f"the schema snapshot is not what `{REGENERATE}` writes: run it and commit the result"
    assert dump(tmp_path / "migrated.db") == SNAPSHOT.read_text(encoding="utf-8"), stale


def test_a_stale_head_or_snapshot_leaves_every_database_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert prepare_sqlite(str(tmp_path / "at_head.db"))
    # A migration added without renewing HEAD: neither the snapshot nor the skip is used.
    monkeypatch.setattr(schema, "HEAD", "0017_forget")
    assert not current()
    assert ready(_url(tmp_path / "new.db")) is False
    assert ready(_url(tmp_path / "at_head.db")) is False
    # HEAD renewed but not the snapshot.
    monkeypatch.undo()
    old = tmp_path / "schema.sql"
    old.write_text(SNAPSHOT.read_text(encoding="utf-8").replace(HEAD, "0017_forget", 1), encoding="utf-8")
    monkeypatch.setattr(schema, "SNAPSHOT", old)
    assert not current()
    assert ready(_url(tmp_path / "new.db")) is False
    with sqlite3.connect(tmp_path / "new.db") as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


async def test_a_file_made_from_the_snapshot_downgrades_one_step_and_upgrades_back(tmp_path: Path) -> None:
    before = ScriptDirectory.from_config(alembic_config()).get_revision(HEAD).down_revision
    assert isinstance(before, str)
    await asyncio.to_thread(build_through_migrations, tmp_path / "migrated.db")
    assert prepare_sqlite(str(tmp_path / "snapshot.db"))
    db = Database(_url(tmp_path / "snapshot.db"))
    try:
        await downgrade(db, before)
        assert await current_revision(db) == before
        assert not await at_head(db)
        await upgrade(db)
        assert await current_revision(db) == HEAD
    finally:
        await db.dispose()
    assert describe(tmp_path / "snapshot.db") == describe(tmp_path / "migrated.db")


async def test_an_older_file_is_left_to_alembic_untouched_then_migrates(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = Database(_url(path))
    try:
        await upgrade(db, "0017_forget")
        untouched = describe(path)
        assert await asyncio.to_thread(ready, _url(path)) is False
        assert await ready_async(db) is False
        assert prepare_sqlite(str(path)) is False
        assert describe(path) == untouched
        await upgrade(db)
        assert await current_revision(db) == HEAD
        assert await asyncio.to_thread(ready, _url(path)) is True
    finally:
        await db.dispose()


def test_unknown_revisions_and_foreign_tables_are_left_to_alembic(tmp_path: Path) -> None:
    unknown = tmp_path / "unknown.db"
    assert prepare_sqlite(str(unknown))
    with sqlite3.connect(unknown) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_a_newer_prepbot'")
    assert ready(_url(unknown)) is False
    assert describe(unknown)["alembic_version"] == [("9999_from_a_newer_prepbot",)]

    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    assert ready(_url(foreign)) is False
    with sqlite3.connect(foreign) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("notes",)]


def test_a_failure_is_left_to_alembic_which_reports_it(tmp_path: Path) -> None:
    assert ready(_url(tmp_path / "no such folder" / "prepbot.db")) is False


async def test_a_database_at_head_is_recognised_and_an_empty_one_is_not(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert not await at_head(db)
        if db.url.get_backend_name() == "postgresql":
            # An empty PostgreSQL database is always migrated by alembic, under its advisory lock.
            assert await asyncio.to_thread(ready, database_url) is False
            assert await current_revision(db) is None
            await upgrade(db)
        else:
            assert await ready_async(db)  # a new SQLite file gets the snapshot
        assert await current_revision(db) == HEAD
        assert await at_head(db)
        assert await asyncio.to_thread(ready, database_url) is True
        assert await ready_async(db)
    finally:
        await db.dispose()
