"""Repository for a channel's schedule state: who set it, and pausing it when posts cannot arrive."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.store.models import Channel, Member, Space


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
