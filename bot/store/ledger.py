"""The points ledger: awards written once by key; boards read the running totals.

Every award and revoke moves the member's day in ``bot.store.totals`` in the same
transaction, so the leaderboard and stats sum at most a row per member and day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.elements import Label
from sqlmodel import col, select

from bot.store import totals
from bot.store.models import Member, MemberDay, MemberTotal, PointEvent
from bot.store.sql import insert_ignore


@dataclass(frozen=True)
class Standing:
    """One leaderboard row: rank shared by ties (1, 2, 2, 4)."""

    rank: int
    member_id: int
    name: str
    points: int


async def award(
    session: AsyncSession,
    *,
    space_id: int,
    member_id: int,
    points: int,
    reason: str,
    key: str,
    at: dt.datetime | None = None,
) -> bool:
    """Add ``points`` unless an award with ``key`` already exists in this space.

    ``at`` is the service clock's time, so week and month boards follow that clock;
    the award counts on that time's UTC day in the running totals.
    """
    stamp = at or dt.datetime.now(dt.UTC)
    inserted = await insert_ignore(
        session,
        PointEvent,
        space_id=space_id,
        member_id=member_id,
        points=points,
        reason=reason,
        event_key=key[:200],
        created_at=stamp,
    )
    if inserted:
        await totals.add(
            session, space_id=space_id, member_id=member_id, day=totals.day_of(stamp), points=points, awards=1
        )
    return inserted


async def revoke(session: AsyncSession, *, space_id: int, key: str) -> None:
    """Remove the award written under ``key`` (a withdrawn vote, a deleted answer), and its totals."""
    stmt = (
        delete(PointEvent)
        .where(col(PointEvent.space_id) == space_id, col(PointEvent.event_key) == key)
        .returning(col(PointEvent.member_id), col(PointEvent.points), col(PointEvent.created_at))
    )
    for member_id, points, created_at in (await session.execute(stmt)).all():
        day = totals.day_of(created_at)
        await totals.add(session, space_id=space_id, member_id=member_id, day=day, points=-points, awards=-1)


async def shrink(session: AsyncSession, *, space_id: int, key: str, points: int) -> None:
    """Take ``points`` off the award written under ``key``, and off its totals; at 0 the award goes.

    For an award that counted what was later forgotten (``/prep forget-me`` removing
    votes a revealed answer had): the award keeps its day, so the boards stay exact.
    """
    stmt = (
        update(PointEvent)
        .where(col(PointEvent.space_id) == space_id, col(PointEvent.event_key) == key)
        .values(points=col(PointEvent.points) - points)
        .returning(
            col(PointEvent.id), col(PointEvent.member_id), col(PointEvent.points), col(PointEvent.created_at)
        )
    )
    for award_id, member_id, left, created_at in (await session.execute(stmt)).all():
        day = totals.day_of(created_at)
        if left > 0:
            await totals.add(session, space_id=space_id, member_id=member_id, day=day, points=-points)
            continue
        await session.execute(delete(PointEvent).where(col(PointEvent.id) == award_id))
        await totals.add(
            session, space_id=space_id, member_id=member_id, day=day, points=-(left + points), awards=-1
        )


async def standings(
    session: AsyncSession, *, space_id: int, first_day: dt.date | None = None, limit: int = 10
) -> list[Standing]:
    """Top members of a space by points on UTC days from ``first_day`` on (all time when None).

    Read from the running totals, never the ledger: all time is a row per member, a
    period a row per member and day in it, so the cost follows the team, not its
    history. Only the top rows are joined to names.
    """
    top = _top(space_id=space_id, first_day=first_day, limit=limit)
    stmt = (
        select(col(Member.id), col(Member.display_name), col(Member.external_id), top.c.total)
        .join(top, top.c.member_id == col(Member.id))
        .order_by(top.c.total.desc(), col(Member.display_name), col(Member.id))
    )
    rows = (await session.execute(stmt)).all()
    result: list[Standing] = []
    for position, (member_id, name, external_id, points) in enumerate(rows, start=1):
        tied = result and result[-1].points == points
        rank = result[-1].rank if tied else position
        result.append(Standing(rank=rank, member_id=member_id, name=name or external_id, points=int(points)))
    return result


def _top(*, space_id: int, first_day: dt.date | None, limit: int) -> Subquery:
    """The top ``limit`` (member_id, total): all time from a row per member, else summed days."""
    if first_day is None:
        total: Label[int] = col(MemberTotal.points).label("total")
        return (
            select(col(MemberTotal.member_id).label("member_id"), total)
            .where(col(MemberTotal.space_id) == space_id, col(MemberTotal.awards) > 0)
            .order_by(total.desc())
            .limit(limit)
            .subquery()
        )
    summed = func.sum(MemberDay.points).label("total")
    return (
        select(col(MemberDay.member_id).label("member_id"), summed)
        .where(col(MemberDay.space_id) == space_id, col(MemberDay.day) >= first_day)
        .group_by(col(MemberDay.member_id))
        .having(func.sum(MemberDay.awards) > 0)  # as the ledger: a member with awards shows, even at 0
        .order_by(summed.desc())
        .limit(limit)
        .subquery()
    )


async def total_points(session: AsyncSession, *, space_id: int, member_id: int) -> int:
    """A member's points in a space, all time (their running total's row)."""
    stmt = select(func.coalesce(func.sum(MemberTotal.points), 0)).where(
        col(MemberTotal.space_id) == space_id, col(MemberTotal.member_id) == member_id
    )
    return int((await session.execute(stmt)).scalar_one())
