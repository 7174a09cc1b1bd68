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

from sqlalchemy import Date, Integer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import MemberDay, MemberTotal
from bot.store.sql import Rows, insert_for, is_postgres

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


async def add_days(
    session: AsyncSession, *, changes: Mapping[tuple[int, int, dt.date], tuple[int, int]]
) -> None:
    """Add ``changes[(space, member, day)]`` = (points, awards) to those day rows, then to the all-time rows.

    Set-based and in ``add_vote_changes``'s order (every day row by space, member, day, then
    each all-time row once), for a caller changing many days at once (a forget's point
    awards): one day and its all-time row at a time would interleave with a concurrent
    :func:`add` (day, then all-time) into a wait cycle on PostgreSQL.
    """
    days = [(key, change) for key, change in sorted(changes.items()) if any(change)]
    if not days:
        return
    all_time: dict[tuple[int, int], tuple[int, int]] = {}
    for (space_id, member_id, _), (points, awards) in days:
        before = all_time.get((space_id, member_id), (0, 0))
        all_time[(space_id, member_id)] = (before[0] + points, before[1] + awards)
    by_day = [
        {"space_id": s, "member_id": m, "day": d, "points": p, "awards": a, "votes": 0}
        for (s, m, d), (p, a) in days
    ]
    whole = [
        {"space_id": s, "member_id": m, "points": p, "awards": a, "votes": 0}
        for (s, m), (p, a) in sorted(all_time.items())
    ]
    for model, rows in ((MemberDay, by_day), (MemberTotal, whole)):
        stmt = _upsert(session)(model).values(rows)  # VALUES rows are inserted (and locked) in list order
        await session.execute(_add_on_conflict(stmt, model, ("points", "awards")))


async def add_votes(session: AsyncSession, *, answer_id: int, days: Mapping[dt.date, int]) -> None:
    """Add ``days[d]`` votes (negative to take back) to the author of ``answer_id`` on each day ``d``."""
    await add_vote_changes(session, changes={(answer_id, day): n for day, n in days.items()})


async def add_vote_changes(session: AsyncSession, *, changes: Mapping[tuple[int, dt.date], int]) -> None:
    """Add ``changes[(answer, day)]`` votes to each answer's author on that day, and to their all-time row.

    The authors are read inside the ``INSERT … SELECT``, so there is no gap between
    finding them and counting, and one author's changes are summed first (a row is
    changed once per statement). Rows are taken in one order (by space, member, day;
    then the all-time rows), so concurrent transactions never wait on each other in a
    cycle (no deadlock on PostgreSQL). On PostgreSQL both tables move in one
    statement (the day rows in a data-modifying ``WITH``, which the all-time insert
    reads, so they are written first): one round trip less on the Vote click's
    path. SQLite takes no data-modifying ``WITH``: two statements, the same SQL pieces.
    """
    rows = [(answer, day, n) for (answer, day), n in sorted(changes.items()) if n]
    if not rows:
        return
    if is_postgres(session):
        await _CHANGES.run(session, _BOTH_TABLES, rows)
        return
    for body in (_SUMS + _VOTES_BY_DAY, _SUMS + _VOTES_ALL_TIME.format(source="s")):
        await _CHANGES.run(session, body, rows)


_CHANGES = Rows("c", (("answer_id", Integer()), ("day", Date()), ("n", Integer())))
# Each author's change per day, once: the one place the changes meet their authors.
_SUMS = (
    ", s(space_id, member_id, day, n) AS (SELECT answer.space_id, answer.member_id, c.day, SUM(c.n) "
    "FROM c JOIN answer ON answer.id = c.answer_id "
    "GROUP BY answer.space_id, answer.member_id, c.day HAVING SUM(c.n) <> 0) "
)
_VOTES_BY_DAY = (
    "INSERT INTO memberday (space_id, member_id, day, points, awards, votes) "
    "SELECT space_id, member_id, day, 0, 0, n FROM s WHERE true ORDER BY space_id, member_id, day "
    "ON CONFLICT (space_id, member_id, day) DO UPDATE SET votes = memberday.votes + excluded.votes"
)
# ``source`` is ``s``, or (PostgreSQL) ``s`` joined to the day rows just written, which
# makes the all-time insert wait for them (the join reads every one before it yields).
_VOTES_ALL_TIME = (
    "INSERT INTO membertotal (space_id, member_id, points, awards, votes) "
    "SELECT s.space_id, s.member_id, 0, 0, SUM(s.n) FROM {source} WHERE true "
    "GROUP BY s.space_id, s.member_id HAVING SUM(s.n) <> 0 ORDER BY s.space_id, s.member_id "
    "ON CONFLICT (space_id, member_id) DO UPDATE SET votes = membertotal.votes + excluded.votes"
)
_DAYS_FIRST = _SUMS + f", d AS ({_VOTES_BY_DAY} RETURNING space_id, member_id, day) "
_AFTER_DAYS = "s JOIN d ON d.space_id = s.space_id AND d.member_id = s.member_id AND d.day = s.day"
_BOTH_TABLES = _DAYS_FIRST + _VOTES_ALL_TIME.format(source=_AFTER_DAYS)
# For a PostgreSQL statement that has its vote changes as ``c(answer_id, day, n)``: both
# tables moved by data-modifying WITH parts, in the same order (``bot.store.vote_statement``).
VOTE_TOTALS_WITH = _DAYS_FIRST + f", t AS ({_VOTES_ALL_TIME.format(source=_AFTER_DAYS)} RETURNING 1) "
