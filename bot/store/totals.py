"""Running totals per (space, member, UTC day), kept beside the rows that change them.

Every change is an atomic increment (``INSERT … ON CONFLICT DO UPDATE SET n = n + :d``)
issued in the caller's transaction by the store function that writes the ledger
or the votes, never a read followed by a write: concurrent votes, withdrawals and
awards add up exactly. A day is the UTC date of the event's stored time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select
from sqlmodel import col

from bot.store.models import Answer, MemberDay

COUNTERS = ("points", "awards", "votes")


def day_of(at: dt.datetime) -> dt.date:
    """The UTC date an event counts on (a naive time is taken as UTC, as SQLite returns them)."""
    return (at.astimezone(dt.UTC) if at.tzinfo else at).date()


def _upsert(session: AsyncSession) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _add_on_conflict(stmt: Any, changed: Iterable[str]) -> Any:
    table = MemberDay.__table__  # type: ignore[attr-defined]
    return stmt.on_conflict_do_update(
        index_elements=["space_id", "member_id", "day"],
        set_={name: table.c[name] + stmt.excluded[name] for name in changed},
    )


async def add(
    session: AsyncSession, *, space_id: int, member_id: int, day: dt.date, points: int = 0, awards: int = 0
) -> None:
    """Add ``points`` and ``awards`` (negative to take back) to one member's day."""
    values = {"space_id": space_id, "member_id": member_id, "day": day, "points": points}
    stmt = _upsert(session)(MemberDay).values(**values, awards=awards, votes=0)
    await session.execute(_add_on_conflict(stmt, ("points", "awards")))


async def add_votes(session: AsyncSession, *, answer_id: int, days: Mapping[dt.date, int]) -> None:
    """Add ``days[d]`` votes (negative to take back) to the author of ``answer_id`` on each day ``d``.

    The author is read inside the same ``INSERT … SELECT``, so there is no gap
    between finding them and counting. Days go in date order, so two transactions
    touching the same rows lock them in the same order (no deadlock on PostgreSQL).
    """
    for day in sorted(days):
        if not days[day]:
            continue
        source: Select[Any] = select(
            col(Answer.space_id),
            col(Answer.member_id),
            literal(day, type_=MemberDay.__table__.c.day.type),  # type: ignore[attr-defined]
            literal(0),
            literal(0),
            literal(days[day]),
        ).where(col(Answer.id) == answer_id)
        stmt = _upsert(session)(MemberDay).from_select(
            ["space_id", "member_id", "day", "points", "awards", "votes"], source
        )
        await session.execute(_add_on_conflict(stmt, ("votes",)))
