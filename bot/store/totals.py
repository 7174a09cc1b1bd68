"""Running totals per (space, member, UTC day) and per (space, member) all time.

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
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select
from sqlmodel import col

from bot.store.models import Answer, MemberDay, MemberTotal
from bot.store.sql import insert_for

COUNTERS = ("points", "awards", "votes")


def day_of(at: dt.datetime) -> dt.date:
    """The UTC date an event counts on (a naive time is taken as UTC, as SQLite returns them)."""
    return (at.astimezone(dt.UTC) if at.tzinfo else at).date()


def _upsert(session: AsyncSession) -> Any:
    return insert_for(session)  # the dialect's insert, imported only for the database in use


def _add_on_conflict(stmt: Any, model: type[MemberDay] | type[MemberTotal], changed: Iterable[str]) -> Any:
    table = model.__table__  # type: ignore[union-attr]
    keys = ["space_id", "member_id", "day"] if model is MemberDay else ["space_id", "member_id"]
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={name: table.c[name] + stmt.excluded[name] for name in changed}
    )


async def add(
    session: AsyncSession, *, space_id: int, member_id: int, day: dt.date, points: int = 0, awards: int = 0
) -> None:
    """Add ``points`` and ``awards`` (negative to take back) to one member's day and all-time row."""
    for model, extra in ((MemberDay, {"day": day}), (MemberTotal, {})):
        values = {"space_id": space_id, "member_id": member_id, "points": points, "awards": awards}
        stmt = _upsert(session)(model).values(**values, **extra, votes=0)
        await session.execute(_add_on_conflict(stmt, model, ("points", "awards")))


async def add_votes(session: AsyncSession, *, answer_id: int, days: Mapping[dt.date, int]) -> None:
    """Add ``days[d]`` votes (negative to take back) to the author of ``answer_id`` on each day ``d``.

    The author is read inside the same ``INSERT … SELECT``, so there is no gap
    between finding them and counting. Rows are taken in one order (days by date,
    then the all-time row), so concurrent transactions never wait on each other in
    a cycle (no deadlock on PostgreSQL).
    """
    changes = {day: n for day, n in sorted(days.items()) if n}
    if not changes:
        return
    day_type = MemberDay.__table__.c.day.type  # type: ignore[attr-defined]
    for day, n in changes.items():
        source: Select[Any] = select(
            col(Answer.space_id),
            col(Answer.member_id),
            literal(day, type_=day_type),
            literal(0),
            literal(0),
            literal(n),
        ).where(col(Answer.id) == answer_id)
        stmt = _upsert(session)(MemberDay).from_select(
            ["space_id", "member_id", "day", "points", "awards", "votes"], source
        )
        await session.execute(_add_on_conflict(stmt, MemberDay, ("votes",)))
    total: Select[Any] = select(
        col(Answer.space_id), col(Answer.member_id), literal(0), literal(0), literal(sum(changes.values()))
    ).where(col(Answer.id) == answer_id)
    stmt = _upsert(session)(MemberTotal).from_select(
        ["space_id", "member_id", "points", "awards", "votes"], total
    )
    await session.execute(_add_on_conflict(stmt, MemberTotal, ("votes",)))
