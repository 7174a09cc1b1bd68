"""Small SQL helpers that both SQLite and PostgreSQL run atomically: the one dialect helper.

Where the two databases differ (the ``INSERT … ON CONFLICT`` construct, row locks
that only PostgreSQL takes), repositories ask here instead of reading the
session's dialect themselves.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic_core import PydanticUndefined
from sqlalchemy import Table, TextClause, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select
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
