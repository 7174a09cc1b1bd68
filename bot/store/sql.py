"""Small SQL helpers that both SQLite and PostgreSQL run atomically: the one dialect helper.

Where the two databases differ (the ``INSERT … ON CONFLICT`` construct, row locks
that only PostgreSQL takes), repositories ask here instead of reading the
session's dialect themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic_core import PydanticUndefined
from sqlalchemy import Table, TextClause, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
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
    """The dialect's ``insert`` construct, the one with ``on_conflict_do_nothing`` / ``do_update``."""
    return postgresql.insert if is_postgres(session) else sqlite.insert


async def insert_ignore(session: AsyncSession, model: type[SQLModel], **values: Any) -> bool:
    """Insert a row unless a unique key already holds it; True when this call inserted it.

    ``ON CONFLICT DO NOTHING`` keeps the transaction usable on PostgreSQL, where a
    failed insert would otherwise abort everything after it.
    """
    row = with_defaults(model, values)
    stmt = _insert_ignore(model.__table__, tuple(sorted(row)))  # type: ignore[attr-defined]
    result = await session.execute(stmt, row)
    return bool(result.rowcount)  # type: ignore[attr-defined]


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


@dataclass(frozen=True)
class Rows:
    """Many rows sent with one statement, as ``WITH name(columns) AS (VALUES …)``: set-based work.

    Each statement built here is cached per dialect and per size, and a batch is
    padded with NULL rows up to the next power of two, so a few sizes cover every
    batch (PostgreSQL prepares each distinct text once per connection). A NULL row
    never matches a join, so statements need no filter for them beyond their joins.
    """

    name: str
    columns: tuple[tuple[str, TypeEngine[Any]], ...]

    def statement(
        self, session: AsyncSession, count: int, body: str, *, lock: str = "", **types: TypeEngine[Any]
    ) -> Executable:
        """``body`` after the rows' CTE, for ``count`` rows; ``{lock}`` in it becomes ``lock`` on PostgreSQL.

        ``lock`` is a row lock (``FOR SHARE OF …``) that only PostgreSQL takes: SQLite
        serialises writers. ``types`` type the result columns (a time read back from SQLite).
        """
        dialect, size = dialect_of(session), _padded(count)
        return _rows_statement(self, dialect, size, body, lock, tuple(sorted(types.items())))

    def params(self, rows: Sequence[Sequence[Any]]) -> dict[str, Any]:
        """The bound values of ``rows`` (in column order), padded as :meth:`statement` expects."""
        values: dict[str, Any] = {}
        names = [c for c, _ in self.columns]
        for i in range(_padded(len(rows))):
            row = rows[i] if i < len(rows) else (None,) * len(names)
            values.update((f"{self.name}{i}_{c}", v) for c, v in zip(names, row, strict=True))
        return values


def _padded(count: int) -> int:
    return 1 << max(0, count - 1).bit_length()


@functools.lru_cache(maxsize=256)
def _rows_statement(
    rows: Rows,
    dialect: str,
    count: int,
    body: str,
    lock: str,
    types: tuple[tuple[str, TypeEngine[Any]], ...],
) -> Executable:
    postgres = dialect == "postgresql"

    def mark(name: str, kind: TypeEngine[Any]) -> str:
        # PostgreSQL types a VALUES column from its first row and would take a bare
        # parameter for text; SQLite compares the bound values as they come.
        return f"CAST(:{name} AS {kind.compile(dialect=_PG)})" if postgres else f":{name}"

    listed = ", ".join(
        "(" + ", ".join(mark(f"{rows.name}{i}_{c}", kind) for c, kind in rows.columns) + ")"
        for i in range(count)
    )
    names = ", ".join(c for c, _ in rows.columns)
    sql = f"WITH {rows.name}({names}) AS (VALUES {listed}) " + body.format(lock=lock if postgres else "")
    binds = [bindparam(f"{rows.name}{i}_{c}", type_=kind) for i in range(count) for c, kind in rows.columns]
    statement = text(sql).bindparams(*binds)
    return statement.columns(**dict(types)) if types else statement


_PG = postgresql.dialect()
