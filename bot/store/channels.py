"""Repository for a channel's settings: its schedule, who set it, pausing it, its pairing day."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.schedule import Schedule
from bot.store.models import Channel, Member, Space
from bot.store.schedules import set_schedule


async def get_channel(session: AsyncSession, *, channel_id: int) -> Channel | None:
    """The channel row by its id (None when it is gone)."""
    return await session.get(Channel, channel_id)


async def with_space(session: AsyncSession, *, channel_id: int) -> tuple[Channel, Space] | None:
    """The channel row and its space's, by the channel's id."""
    channel = await session.get(Channel, channel_id)
    space = await session.get(Space, channel.space_id) if channel is not None else None
    return (channel, space) if channel is not None and space is not None else None


async def pause_schedule(
    session: AsyncSession, *, channel_id: int, reason: str, at: dt.datetime
) -> tuple[Channel, Space, Member | None] | None:
    """Pause a scheduled channel; returns it (with its space and setter) only to the call that paused it.

    One conditional UPDATE, so when two processes (or a post and a digest) fail at
    once, exactly one of them tells the setter.
    """
    result = await session.execute(
        update(Channel)
        .where(
            col(Channel.id) == channel_id,
            col(Channel.paused_at).is_(None),
            col(Channel.post_time).is_not(None),
        )
        .values(paused_at=at, paused_reason=reason[:32])
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    channel = await session.get(Channel, channel_id)
    assert channel is not None
    await session.refresh(channel)
    space = await session.get(Space, channel.space_id)
    assert space is not None
    setter = await session.get(Member, channel.schedule_set_by) if channel.schedule_set_by else None
    return channel, space, setter


def resume_schedule(channel: Channel, *, set_by: int | None) -> bool:
    """Clear a pause on ``channel`` and record who set its schedule; True if it was paused.

    The caller saves ``channel`` in its own unit of work (``/prep schedule``).
    """
    was_paused = channel.paused_at is not None
    channel.paused_at = None
    channel.paused_reason = ""
    channel.schedule_set_by = set_by
    return was_paused


async def save_schedule(
    session: AsyncSession,
    *,
    channel: Channel,
    schedule: Schedule | None,
    set_by: int | None,
    reminders: bool | None,
    at: dt.datetime,
) -> bool:
    """``/prep schedule``: store the schedule (None turns it off) and who set it; True if it was paused.

    Setting a schedule also resumes a paused channel; ``reminders`` (when given) is
    whether the channel gets reminders.
    """
    was_paused = resume_schedule(channel, set_by=set_by)
    set_schedule(channel, schedule, since=at)
    if reminders is not None:
        channel.reminders = reminders
    session.add(channel)
    return was_paused


async def set_pairing_weekday(session: AsyncSession, *, channel: Channel, weekday: int) -> None:
    """The weekday (0 = Monday) the channel's pairing round is drawn; -1 pauses pairing."""
    channel.pairing_weekday = weekday
    session.add(channel)
