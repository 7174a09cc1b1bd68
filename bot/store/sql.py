"""Small SQL helpers that both SQLite and PostgreSQL run atomically: the one dialect helper.

Where the two databases differ (the ``INSERT … ON CONFLICT`` construct, row locks
that only PostgreSQL takes), repositories ask here instead of reading the
session's dialect themselves.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pydantic_core import PydanticUndefined
from sqlalchemy import Dialect, Table, TextClause, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable, Select
from sqlalchemy.types import TypeEngine
from sqlmodel import SQLModel

T = TypeVar("T")

Insert = Callable[..., Any]  # postgresql.insert or sqlite.insert: both have on_conflict_do_*


def dialect_of(session: AsyncSession) -> str:
    """``postgresql`` or ``sqlite`` (a session not bound yet is taken for SQLite)."""
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def is_postgres(session: AsyncSession) -> bool:
    """True on PostgreSQL, where row locks (``FOR SHARE``) order writers that SQLite serialises anyway."""
    return dialect_of(session) == "postgresql"


def insert_for(session: AsyncSession) -> Insert:
    """The dialect's ``insert`` construct, the one with ``on_conflict_do_nothing`` / ``do_update``.

    Each dialect is imported when first asked for: a process on SQLite never loads
    SQLAlchemy's PostgreSQL dialect (about 2 MiB of its idle memory).
    """
    if is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


async def insert_ignore(session: AsyncSession, model: type[SQLModel], **values: Any) -> bool:
    """Insert a row unless a unique key already holds it; True when this call inserted it.

    ``ON CONFLICT DO NOTHING`` keeps the transaction usable on PostgreSQL, where a
    failed insert would otherwise abort everything after it.
    """
    row = with_defaults(model, values)
    stmt = _insert_ignore(model.__table__, tuple(sorted(row)))  # type: ignore[attr-defined]
    result = await session.execute(stmt, row)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def insert_ignore_many(
    session: AsyncSession, model: type[SQLModel], rows: list[dict[str, Any]]
) -> None:
    """:func:`insert_ignore` for many rows with the same columns, sent as one batch."""
    if rows:
        full = [with_defaults(model, r) for r in rows]
        stmt = _insert_ignore(model.__table__, tuple(sorted(full[0])))  # type: ignore[attr-defined]
        await session.execute(stmt, full)


@functools.lru_cache(maxsize=256)
def _insert_ignore(table: Table, columns: tuple[str, ...]) -> TextClause:
    """``INSERT … ON CONFLICT DO NOTHING`` for ``columns`` of ``table``, built once.

    The same text runs on SQLite and PostgreSQL. A dialect ``insert()`` with
    ``on_conflict_do_nothing()`` has no cache key in SQLAlchemy, so it would be
    compiled again on every call (milliseconds on a busy machine, on the hottest
    paths); a text statement with typed parameters is compiled once.
    """
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join(f":{c}" for c in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING'
    return text(sql).bindparams(*(bindparam(c, type_=table.c[c].type) for c in columns))


def with_defaults(model: type[SQLModel], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` plus the model's Python-side defaults, which a Core insert does not apply.

    Cheaper than building a model instance per row, which matters on hot paths
    such as votes.
    """
    row = dict(values)
    for name, field in model.model_fields.items():
        if name in row or name == "id":
            continue
        if field.default_factory is not None:
            row[name] = field.default_factory()  # type: ignore[call-arg]
        elif field.default is not PydanticUndefined and field.default is not None:
            row[name] = field.default
    return row


async def scalar_one(session: AsyncSession, stmt: Select[tuple[T]]) -> T:
    """The single row ``stmt`` selects (raises if there is none)."""
    return (await session.execute(stmt)).scalars().one()


async def scalar_first(session: AsyncSession, stmt: Select[tuple[T]]) -> T | None:
    """The first row ``stmt`` selects, or None."""
    return (await session.execute(stmt)).scalars().first()


class Fetched(Protocol):
    """What :meth:`Rows.run` returns: its rows, as ``Result.all()`` gives them."""

    def all(self) -> Sequence[Any]: ...


@dataclass(frozen=True)
class Rows:
    """Many rows sent with one statement, as ``WITH name(columns) AS (…)``: set-based work.

    The rows travel as one parameter per column on PostgreSQL (arrays, ``unnest``)
    and as one JSON parameter on SQLite (``json_each``), each value first turned
    into what the column's type binds, so a statement's text and its prepared plan
    do not depend on how many rows a batch has, and binding costs a few parameters,
    not a few per row.
    """

    name: str
    columns: tuple[tuple[str, TypeEngine[Any]], ...]

    async def run(
        self,
        session: AsyncSession,
        body: str,
        rows: Sequence[Sequence[Any]],
        *,
        lock: str = "",
        values: dict[str, Any] | None = None,
        alone: bool = False,
        **types: TypeEngine[Any],
    ) -> Fetched:
        """Run ``body`` after the CTE of ``rows`` (in column order), with ``values`` for its own parameters.

        ``{lock}`` in ``body`` becomes ``lock`` on PostgreSQL: a row lock (``FOR SHARE
        OF …``) that only PostgreSQL takes, as SQLite serialises writers. ``types`` type
        the result columns (a time read back from SQLite). It runs on the session's
        connection (Core): the ORM's bookkeeping would double the cost of a statement;
        on PostgreSQL straight on the driver, in that connection's transaction
        (``bot.store.driver``), which is cheaper again. ``alone`` (PostgreSQL only): the
        statement is its own transaction, on a session bound to one connection.
        """
        bind = session.bind  # its dialect without a greenlet hop (sessions here have one bind)
        dialect = bind.dialect if bind is not None else (await session.connection()).dialect
        typed = tuple(sorted(types.items()))
        params = values.copy() if values else {}
        if dialect.name == "postgresql":
            stmt = _rows_statement(self, dialect.name, body, lock, typed)
            for j, (column, kind) in enumerate(self.columns):
                binder = _binder(kind, dialect)
                params[f"{self.name}_{column}"] = [binder(row[j]) if binder else row[j] for row in rows]
            from bot.store import driver  # only a PostgreSQL process loads it

            return await driver.fetch(session, stmt, params, typed, alone=alone)
        if alone:
            raise ValueError("only PostgreSQL runs a statement alone here")
        connection = await session.connection()
        stmt = _rows_statement(self, dialect.name, body, lock, typed)
        binds = [_binder(kind, dialect) for _, kind in self.columns]
        params[self.name] = json.dumps(
            [[bind(v) if bind else v for bind, v in zip(binds, row, strict=True)] for row in rows]
        )
        return await connection.execute(stmt, params)


@functools.lru_cache(maxsize=64)
def _binder(kind: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    return kind.dialect_impl(dialect).bind_processor(dialect)


@functools.lru_cache(maxsize=256)
def _rows_statement(
    rows: Rows, dialect: str, body: str, lock: str, types: tuple[tuple[str, TypeEngine[Any]], ...]
) -> Executable:
    names = ", ".join(c for c, _ in rows.columns)
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql  # only a PostgreSQL process loads it

        pg = postgresql.dialect()
        arrays = ", ".join(
            f"CAST(:{rows.name}_{c} AS {kind.compile(dialect=pg)}[])" for c, kind in rows.columns
        )
        source = f"SELECT * FROM unnest({arrays})"
    else:
        fields = ", ".join(f"json_extract(value, '$[{j}]')" for j in range(len(rows.columns)))
        source = f"SELECT {fields} FROM json_each(:{rows.name})"
    postgres = dialect == "postgresql"
    sql = f"WITH {rows.name}({names}) AS ({source}) " + body.format(lock=lock if postgres else "")
    statement = text(sql)
    return statement.columns(**dict(types)) if types else statement
