"""Repository for what members told prepbot about themselves: interview date, reminders."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.store.models import Channel, Member, Space


async def get_member(session: AsyncSession, *, member_id: int) -> Member | None:
    """The member row by its id (None when it is gone)."""
    return await session.get(Member, member_id)


async def set_prompt_reminders(session: AsyncSession, *, member: Member, on: bool) -> None:
    """``/prep reminders on|off``: a DM before voting closes on a prompt not yet answered."""
    member.prompt_reminders = on
    session.add(member)


async def set_interview(
    session: AsyncSession, *, member: Member, day: dt.date, company: str, channel_id: int | None
) -> None:
    """Record the member's interview; its plans arrive in the zone of ``channel_id`` when they set none."""
    member.interview_date = day
    member.interview_company = company
    member.plan_channel_id = channel_id
    session.add(member)


async def clear_interview(session: AsyncSession, *, member: Member) -> None:
    """Forget the interview date: daily plans stop."""
    member.interview_date = None
    session.add(member)


async def with_interviews(session: AsyncSession) -> list[tuple[Member, Channel, Space]]:
    """Members with an interview date, with their plan channel and space (every space: the tick)."""
    stmt = (
        select(Member, Channel, Space)
        .join(Channel, col(Channel.id) == col(Member.plan_channel_id))
        .join(Space, col(Space.id) == col(Member.space_id))
        .where(col(Member.interview_date).is_not(None), col(Space.uninstalled_at).is_(None))
    )
    return [(m, c, s) for m, c, s in (await session.execute(stmt)).all()]
