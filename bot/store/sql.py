"""Small SQL helpers that both SQLite and PostgreSQL run atomically."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select
from sqlmodel import SQLModel

T = TypeVar("T")


async def insert_ignore(session: AsyncSession, model: type[SQLModel], **values: Any) -> bool:
    """Insert a row unless a unique key already holds it; True when this call inserted it.

    ``ON CONFLICT DO NOTHING`` keeps the transaction usable on PostgreSQL, where a
    failed insert would otherwise abort everything after it.
    """
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    row = model(**values)
    data = {k: v for k, v in row.model_dump().items() if not (k == "id" and v is None)}
    stmt = insert(table).values(**data).on_conflict_do_nothing()
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def scalar_one(session: AsyncSession, stmt: Select[tuple[T]]) -> T:
    """The single row ``stmt`` selects (raises if there is none)."""
    return (await session.execute(stmt)).scalars().one()


async def scalar_first(session: AsyncSession, stmt: Select[tuple[T]]) -> T | None:
    """The first row ``stmt`` selects, or None."""
    return (await session.execute(stmt)).scalars().first()
