"""A set-based statement sent on PostgreSQL's driver (asyncpg), inside SQLAlchemy's transaction.

The group-committed Vote click (``bot.store.shared``) sends a few statements per
batch; through SQLAlchemy's execution machinery (greenlet hop, execution context,
cursor adapter, result metadata) each one costs about three times the driver's own
CPU, which on a busy two-core machine is more than the statement itself. Here the
statement text is compiled once, and each run goes straight to asyncpg on the
connection SQLAlchemy checked out, in the transaction SQLAlchemy's asyncpg adapter
began (or begins here, as its cursor would): commit, rollback and the pool stay
SQLAlchemy's. Errors come out as SQLAlchemy's ``DBAPIError``, as from ``execute``.

With ``alone``, the statement runs outside any transaction on a session bound to
one connection (a group-commit lane's): PostgreSQL makes a single statement its own
transaction, so a statement that claims, reads and writes in one piece costs one
round trip instead of BEGIN, the statement and COMMIT.

The price: it uses private parts of SQLAlchemy's asyncpg adapter (``_execute_mutex``,
``_started``, ``_start_transaction``, ``_handle_exception``), written against the
SQLAlchemy that requirements/lock.txt pins; tests/test_store_rows.py exercises each on
PostgreSQL and fails if an upgrade changes them. It skips the adapter's type-cache
refresh after a schema change, which these statements (plain columns, no custom or
enum types) do not need.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeEngine

_HELD = "bot.store.driver"  # the session.info key of the transaction's driver connection


@dataclass(frozen=True)
class Fetched:
    """The rows a statement returned, as ``Result.all()`` gives them (positional tuples)."""

    rows: Sequence[Any]

    def all(self) -> Sequence[Any]:
        return self.rows


async def fetch(
    session: AsyncSession,
    stmt: Executable,
    params: dict[str, Any],
    types: tuple[tuple[str, TypeEngine[Any]], ...],
    *,
    alone: bool = False,
) -> Fetched:
    """Run ``stmt`` (driver-ready ``params``) on the asyncpg connection of ``session``'s transaction.

    ``alone``: as a transaction of its own, on the connection ``session`` is bound to
    (no transaction may be open on it; raises ``RuntimeError`` otherwise).
    """
    connection, adapted = await (_bare_driver_of(session) if alone else _driver_of(session))
    dialect = connection.dialect
    sql, order = _compiled(stmt, dialect)
    if alone and adapted._started:
        raise RuntimeError("a statement alone cannot run inside a transaction")
    try:
        async with adapted._execute_mutex:
            if not adapted._started and not alone:
                await adapted._start_transaction()
            records = await adapted.driver_connection.fetch(sql, *[params[name] for name in order])
    except Exception as exc:
        raise await _translated(connection, adapted, exc, sql) from exc
    if not types:
        return Fetched(records)
    processors = _processors(types, dialect)
    return Fetched([tuple(processors[k](v) if k in processors else v for k, v in r.items()) for r in records])


async def _driver_of(session: AsyncSession) -> tuple[AsyncConnection, Any]:
    """The session's connection and SQLAlchemy's asyncpg adapter of it, for its current transaction.

    Kept in ``session.info`` until the transaction changes: asking the session (and
    the pool's proxy) each time costs two greenlet hops a statement.
    """
    held = session.info.get(_HELD)
    if held is not None and held[0] is session.sync_session.get_transaction():
        return held[1], held[2]
    connection = await session.connection()
    fairy = await connection.get_raw_connection()
    adapted: Any = fairy.dbapi_connection  # SQLAlchemy's AsyncAdapt_asyncpg_connection
    session.info[_HELD] = (session.sync_session.get_transaction(), connection, adapted)
    return connection, adapted


async def _bare_driver_of(session: AsyncSession) -> tuple[AsyncConnection, Any]:
    """The connection ``session`` is bound to and its asyncpg adapter, with no transaction begun."""
    connection = session.bind
    if not isinstance(connection, AsyncConnection) or session.in_transaction():
        raise RuntimeError("a statement alone needs a session bound to one connection, outside a transaction")
    fairy = await connection.get_raw_connection()
    return connection, fairy.dbapi_connection


@functools.lru_cache(maxsize=256)
def _compiled(stmt: Executable, dialect: Dialect) -> tuple[str, Sequence[str]]:
    """The statement's text for asyncpg (``$1``…) and its parameters' names in that order."""
    compiled: Any = stmt.compile(dialect=dialect)  # type: ignore[attr-defined]
    return compiled.string, tuple(compiled.positiontup or ())


@functools.lru_cache(maxsize=64)
def _processors(
    types: tuple[tuple[str, TypeEngine[Any]], ...], dialect: Dialect
) -> dict[str, Callable[[Any], Any]]:
    out: dict[str, Callable[[Any], Any]] = {}
    for name, kind in types:
        processor = kind.dialect_impl(dialect).result_processor(dialect, None)
        if processor is not None:
            out[name] = processor
    return out


async def _translated(connection: AsyncConnection, adapted: Any, exc: Exception, sql: str) -> Exception:
    """``exc`` as SQLAlchemy's ``execute`` would raise it; a lost connection is invalidated, as there."""
    dbapi = connection.dialect.loaded_dbapi
    error: Exception = exc
    if not isinstance(exc, dbapi.Error):
        try:
            adapted._handle_exception(exc)  # asyncpg's error → the adapter's DBAPI error (raises)
        except Exception as mapped:  # noqa: BLE001 - it raises what it mapped
            error = mapped
    if not isinstance(error, dbapi.Error):
        return error
    # With the adapter, the dialect asks asyncpg whether the connection is closed: a
    # connection lost in the middle of a statement says so in no message it knows.
    lost = connection.dialect.is_disconnect(error, adapted, None)
    if lost:
        await connection.invalidate(error)
    return DBAPIError.instance(
        sql,
        None,
        error,
        dbapi.Error,
        hide_parameters=True,
        connection_invalidated=lost,
        dialect=connection.dialect,
    )
