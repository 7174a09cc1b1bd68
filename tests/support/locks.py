"""A database another connection really locks: for tests of what prepbot does when it cannot write.

SQLite: a second connection takes the write lock (``BEGIN EXCLUSIVE``) and prepbot's
busy timeout is shortened to 1 s (BUSY_MS), so its ``BEGIN IMMEDIATE`` fails with
SQLITE_BUSY ("database is locked"). PostgreSQL: the test database gets
``lock_timeout`` of BUSY_MS (a server setting, for prepbot's connections) and a second
connection holds the tables answers and claims are written to in ACCESS EXCLUSIVE
mode, so prepbot's statements fail with 55P03 (lock_not_available). ``refuse()``
makes the database refuse every answer part (a trigger): a failure no retry fixes.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from bot.store import engine
from tests.support.postgres import PostgresCluster

LOCKED_TABLES = "delivery, answerpart"


class Holder:
    """The other connection: ``async with holder.hold():`` keeps prepbot from writing."""

    async def hold_on(self, tables: str = LOCKED_TABLES) -> None:
        """Take the lock: the whole file on SQLite, ``tables`` (comma-separated) on PostgreSQL."""
        raise NotImplementedError

    async def let_go(self) -> None:
        raise NotImplementedError

    async def refuse(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    @asynccontextmanager
    async def hold(self, tables: str = LOCKED_TABLES) -> AsyncIterator[None]:
        await self.hold_on(tables)
        try:
            yield
        finally:
            await self.let_go()


class SqliteHolder(Holder):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.other: sqlite3.Connection | None = None

    async def _run(self, sql: str) -> None:
        """Run ``sql`` in a thread: waiting for prepbot's write to end must not stop prepbot's loop."""
        if self.other is None:  # opened after prepbot's migrations created the file
            self.other = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        await asyncio.to_thread(self.other.execute, sql)

    async def hold_on(self, tables: str = LOCKED_TABLES) -> None:
        await self._run("BEGIN EXCLUSIVE")

    async def let_go(self) -> None:
        await self._run("ROLLBACK")

    async def refuse(self) -> None:
        await self._run(
            "CREATE TRIGGER refuse_answers BEFORE INSERT ON answerpart "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )

    async def close(self) -> None:
        if self.other is not None:
            self.other.close()


class PostgresHolder(Holder):
    def __init__(self, other: asyncpg.Connection) -> None:
        self.other = other
        self.transaction: asyncpg.transaction.Transaction | None = None

    async def hold_on(self, tables: str = LOCKED_TABLES) -> None:
        self.transaction = self.other.transaction()
        await self.transaction.start()
        await self.other.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")

    async def let_go(self) -> None:
        assert self.transaction is not None
        await self.transaction.rollback()

    async def refuse(self) -> None:
        await self.other.execute(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ "
            "LANGUAGE plpgsql; "
            "CREATE TRIGGER refuse_answers BEFORE INSERT ON answerpart FOR EACH ROW EXECUTE FUNCTION refuse()"
        )

    async def close(self) -> None:
        await self.other.close()


BUSY_MS = 1_000  # how long a write waits for a lock in these tests


@asynccontextmanager
async def lockable(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[str, Holder]]:
    """A fresh database URL (``request.param``: sqlite or postgresql) and the connection that locks it.

    Create prepbot's :class:`Database` after entering: the short busy timeout and
    the lock timeout apply to connections made from then on.
    """
    holder: Holder
    if request.param == "sqlite":
        # Long enough that the bot's own writes at start (the catch-up tick, the install)
        # never outlast it on a loaded machine; short enough that a held lock fails fast.
        monkeypatch.setattr(engine, "SQLITE_BUSY_MS", BUSY_MS)
        path = tmp_path / "prepbot.db"
        url, holder = f"sqlite+aiosqlite:///{path}", SqliteHolder(path)
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        url = cluster.new_database()
        other = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        await other.execute(f"ALTER DATABASE {url.rsplit('/', 1)[1]} SET lock_timeout = '{BUSY_MS}ms'")
        holder = PostgresHolder(other)
    try:
        yield url, holder
    finally:
        await holder.close()
