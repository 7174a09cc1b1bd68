"""The async engine and the unit of work every service call runs in.

SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE``: a transaction that
reads and then writes would otherwise fail at once with "database is locked"
when another writer got there first, instead of waiting its turn.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from bot.store.shared import Group, Shared
from bot.store.tickets import Ticket

SQLITE_BUSY_MS = 30_000
# Each pooled connection's page cache (SQLite's default is 2 MiB, kept for the process's life).
# In WAL mode a connection drops its whole cache whenever another one has committed, as a bot
# does all day, so a bigger cache rarely serves twice; bounded, 10 connections keep 5 MiB, not 20.
SQLITE_CACHE_KIB = 512
I = TypeVar("I")  # noqa: E741
O = TypeVar("O")  # noqa: E741


class Database:
    """One engine and its session factory; ``unit()`` is one transaction."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.engine: AsyncEngine = _make_engine(url, echo=echo)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # One queue per kind of shared work (bot.store.shared), kept by copies of this object too.
        self._groups: dict[Shared[Any, Any], Group[Any, Any]] = {}

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error."""
        async with _transaction(self._sessions) as session:
            yield session

    async def shared(self, work: Shared[I, O], item: I, *, ticket: Ticket | None = None) -> O:
        """Do ``item`` in a transaction shared with concurrent calls of the same ``work`` (group commit).

        With ``ticket``, the delivery's claim is recorded in that transaction too
        (raises :class:`bot.store.tickets.Redelivered` for a re-delivery). Alone, it
        is one transaction of its own, as ``unit()`` would be.
        """
        group = self._groups.get(work)
        if group is None:
            # SQLite writes one transaction at a time: a second lane would only wait on the lock.
            sqlite = self.url.get_backend_name() == "sqlite"
            lanes = 1 if sqlite else work.lanes
            unit = functools.partial(_transaction, self._sessions)
            held = functools.partial(_held, self.engine)
            # SQLite takes no data-modifying WITH: no one-statement batches there.
            group = self._groups[work] = Group(work, unit, held, lanes=lanes, alone=not sqlite)
        return await group.submit(item, ticket)

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        from sqlalchemy import text

        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            return False
        return True

    async def dispose(self) -> None:
        for group in self._groups.values():
            await group.close()
        await self.engine.dispose()


@asynccontextmanager
async def _transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session, session.begin():
        yield session


@asynccontextmanager
async def _held(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session on one connection kept for its life: one transaction per ``session.begin()``."""
    async with (
        engine.connect() as connection,
        AsyncSession(bind=connection, expire_on_commit=False) as session,
    ):
        yield session


def _make_engine(url: str, *, echo: bool) -> AsyncEngine:
    # hide_parameters: a failed statement's error text would otherwise carry its
    # values (members' answers and notes) into the logs with the traceback.
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(
            url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=10, max_overflow=20
        )
    # aiosqlite logs every call with its arguments at DEBUG, statement values (members'
    # answers) included: whatever the log level, that logger says nothing below WARNING.
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    engine = create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        connect_args={"timeout": SQLITE_BUSY_MS / 1000},
        pool_size=5,
        max_overflow=5,
        pool_timeout=120,
    )
    tune_sqlite(engine.sync_engine)
    return engine


def tune_sqlite(sync_engine: Engine) -> None:
    """WAL, the busy timeout, foreign keys and ``BEGIN IMMEDIATE`` on every connection of ``sync_engine``."""

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own
        # implicit BEGIN is deferred and would defeat BEGIN IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
