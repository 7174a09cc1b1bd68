"""Repository for daily plans: one stored plan per member and local day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.store.models import MemberPlan
from bot.store.sql import insert_ignore, scalar_first


async def plan_for(session: AsyncSession, *, member_id: int, day: dt.date) -> MemberPlan | None:
    """The member's plan for ``day`` (their local date), if one was made."""
    stmt = select(MemberPlan).where(col(MemberPlan.member_id) == member_id, col(MemberPlan.day) == day)
    return await scalar_first(session, stmt)


async def keep_plan(
    session: AsyncSession,
    *,
    space_id: int,
    member_id: int,
    day: dt.date,
    weakest: str,
    story_id: str,
    ask_id: str,
    reviews: Sequence[str],
    due: int,
    at: dt.datetime,
) -> MemberPlan:
    """Store the day's plan unless one is already there; return the stored one (first writer wins)."""
    await insert_ignore(
        session,
        MemberPlan,
        space_id=space_id,
        member_id=member_id,
        day=day,
        weakest=weakest[:80],
        story_id=story_id[:80],
        ask_id=ask_id[:80],
        reviews=",".join(reviews),
        due=due,
        created_at=at,
    )
    stored = await plan_for(session, member_id=member_id, day=day)
    assert stored is not None
    return stored


def review_ids(plan: MemberPlan) -> list[str]:
    return [i for i in plan.reviews.split(",") if i]
