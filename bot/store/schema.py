"""The schema at the newest migration: a new SQLite file gets it at once, a database at it is left alone.

Replaying every migration on a new SQLite file costs alembic's import and over a
thousand statements and reflections, most of a start's time. As Rails loads
``schema.rb`` into a new database, a new file instead gets the head schema from a
snapshot checked in beside the migrations (``migrations/schema.sql``, written by
``make schema-snapshot`` from a file built through every migration), in one
transaction stamped with :data:`HEAD`; tests/test_schema_snapshot.py keeps the two
equal. A database already at :data:`HEAD` is recognised with one query. Anything
else (an older or unknown revision, a file holding other tables, a failure) is left
to alembic (:mod:`bot.store.migrate`), which migrates or reports it as always.

Nothing here imports alembic, so a process that starts on a new or current
database never loads it.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.store.engine import SQLITE_BUSY_MS, Database

HEAD = "0020_chalpost"  # the newest migration; tests check it against alembic's scripts
MIGRATIONS = Path(__file__).parent / "migrations"
SNAPSHOT = MIGRATIONS / "schema.sql"

log = logging.getLogger(__name__)


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL naming a plain file (no in-memory database, no URL options), else None."""
    parsed = make_url(url)
    name = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or name in ("", ":memory:") or parsed.query:
        return None
    return name


def current() -> bool:
    """Whether :data:`HEAD` is the newest migration shipped and the snapshot was written at it.

    A migration added (or a merge re-chained) without ``make schema-snapshot`` makes
    this False, and every start goes through alembic until the snapshot is renewed:
    slower, never a stale schema. Migration file names sort in chain order and the
    newest is named after its revision (a test checks both).
    """
    newest = max((p.stem for p in (MIGRATIONS / "versions").glob("[0-9]*.py")), default=None)
    with SNAPSHOT.open(encoding="utf-8") as snapshot:
        written_at = snapshot.readline().removeprefix("-- revision:").strip()
    return newest == HEAD == written_at


def ready(url: str) -> bool:
    """Whether the database at ``url`` is at :data:`HEAD` now, without alembic; blocking, no event loop left.

    A new SQLite file is given the snapshot. False means "migrate with alembic":
    any failure lands there too, so alembic meets it and reports it as it always has.
    """
    try:
        if not current():
            return False
        path = sqlite_path(url)
        if path is not None:
            return prepare_sqlite(path)
        import asyncio

        return asyncio.run(_at_head_url(url))
    except Exception:  # noqa: BLE001 - alembic's path repeats and reports it
        log.debug("the schema check failed; migrating with alembic", exc_info=True)
        return False


async def ready_async(db: Database) -> bool:
    """:func:`ready` on an open database, from a running event loop."""
    try:
        if not current():
            return False
        path = sqlite_path(db.url.render_as_string(hide_password=False))
        if path is not None:
            import asyncio

            return await asyncio.to_thread(prepare_sqlite, path)
        return await at_head(db)
    except Exception:  # noqa: BLE001 - alembic's path repeats and reports it
        log.debug("the schema check failed; migrating with alembic", exc_info=True)
        return False


async def at_head(db: Database) -> bool:
    """One query: whether ``alembic_version`` holds exactly :data:`HEAD` (False without that table)."""
    async with db.engine.connect() as conn:
        try:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        except Exception:  # noqa: BLE001 - no table yet: not at head; a lost connection shows again to alembic
            return False
    return [tuple(row) for row in rows] == [(HEAD,)]


async def _at_head_url(url: str) -> bool:
    db = Database(url)
    try:
        return await at_head(db)
    finally:
        await db.dispose()


def prepare_sqlite(path: str) -> bool:
    """True when the SQLite file at ``path`` is at :data:`HEAD`: it was, or it was new and got the snapshot.

    The connection is tuned as the server's are (WAL, busy timeout, synchronous=NORMAL). The snapshot
    is written under ``BEGIN IMMEDIATE`` after checking again that the file holds no
    table, so processes starting together on one new file create it once.
    """
    conn = sqlite3.connect(path, timeout=SQLITE_BUSY_MS / 1000, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # as engine.tune_sqlite: WAL commits need no fsync
        if _revision(conn) == HEAD:
            return True
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None:
                return _revision(conn) == HEAD  # created meanwhile, or not ours to create
            for statement in snapshot_statements():
                conn.execute(statement)
            conn.execute("INSERT INTO alembic_version (version_num) VALUES (?)", (HEAD,))
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        return True
    finally:
        conn.close()


def _revision(conn: sqlite3.Connection) -> str | None:
    try:
        rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError:  # no such table: a new file, or one alembic never stamped
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def snapshot_statements() -> list[str]:
    """The snapshot's statements, in order (its ``--`` comment lines dropped)."""
    statements: list[str] = []
    pending = ""
    for line in SNAPSHOT.read_text(encoding="utf-8").splitlines(keepends=True):
        if not pending and (not line.strip() or line.startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"{SNAPSHOT}: an unfinished statement at the end")
    return statements
