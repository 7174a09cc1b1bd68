"""Which database failures a retry can get past (``bot.unsaved.transient``), from real failing calls."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store.engine import Database
from bot.unsaved import transient


async def _failure(db: Database, sql: str) -> BaseException:
    try:
        async with db.unit() as session:
            await session.execute(text(sql))
    except Exception as exc:  # noqa: BLE001 - the failure is what the test looks at
        return exc
    raise AssertionError("the statement did not fail")


async def test_a_missing_table_is_a_bug_and_a_refused_connection_is_an_outage(tmp_path: Path) -> None:
    sqlite = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        # SQLite calls this "operational" too: only its code tells it from a lock.
        assert not transient(await _failure(sqlite, "SELECT * FROM nowhere"))
    finally:
        await sqlite.dispose()

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    away = Database(f"postgresql+asyncpg://prep@127.0.0.1:{port}/prepbot")
    try:
        assert transient(await _failure(away, "SELECT 1"))
    finally:
        await away.dispose()


@pytest.mark.parametrize("sql", ["SELECT * FROM nowhere", "SELEC 1"])
async def test_bad_statements_are_not_retried_on_either_backend(sql: str, database_url: str) -> None:
    db = Database(database_url)
    try:
        assert not transient(await _failure(db, sql))
    finally:
        await db.dispose()
