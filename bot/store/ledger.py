"""The points ledger: awards written once by key, totals summed in SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select
from sqlmodel import col, select

from bot.store.models import Member, PointEvent
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

    ``at`` is the service clock's time, so week and month boards follow that clock.
    """
    stamp = {"created_at": at} if at is not None else {}
    return await insert_ignore(
        session,
        PointEvent,
        space_id=space_id,
        member_id=member_id,
        points=points,
        reason=reason,
        event_key=key[:200],
        **stamp,
    )


async def standings(
    session: AsyncSession, *, space_id: int, since: dt.datetime | None = None, limit: int = 10
) -> list[Standing]:
    """Top members of a space by points since ``since`` (all time when None).

    Totals are summed per member id first and only the top rows are joined to
    names: over a million ledger rows that is what hand-written SQL would do.
    """
    total = func.sum(PointEvent.points).label("total")
    totals: Select[tuple[int, int]] = select(col(PointEvent.member_id).label("member_id"), total).where(
        col(PointEvent.space_id) == space_id
    )
    if since is not None:
        totals = totals.where(col(PointEvent.created_at) >= since)
    top = totals.group_by(col(PointEvent.member_id)).order_by(total.desc()).limit(limit).subquery()
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


async def total_points(session: AsyncSession, *, space_id: int, member_id: int) -> int:
    stmt = select(func.coalesce(func.sum(PointEvent.points), 0)).where(
        col(PointEvent.space_id) == space_id, col(PointEvent.member_id) == member_id
    )
    return int((await session.execute(stmt)).scalar_one())
