"""Limits on public posts a member can trigger: one member cannot flood a channel.

``/prep leaderboard`` and ``/prep challenge`` post for everyone. Each takes a slot
per member and a slot per channel in a fixed window (``bot.store.slots``): while
both are free the post is public; otherwise the leaderboard is answered privately
and a challenge start is refused privately, saying when to try again. Private
answers cost the channel nothing and stay within Slack's per-channel post rate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import slots


@dataclass(frozen=True)
class Limit:
    """At most ``per_member`` public posts of ``kind`` per member and ``per_channel`` per channel."""

    kind: str
    per_member: int
    per_channel: int
    window: dt.timedelta


LEADERBOARD = Limit("leaderboard", per_member=1, per_channel=4, window=dt.timedelta(hours=1))
CHALLENGE = Limit("challenge", per_member=3, per_channel=6, window=dt.timedelta(hours=1))


class Full(Exception):
    """Raised inside a unit of work so the slot already taken there is given back (rolled back)."""


async def take(
    session: AsyncSession, *, limit: Limit, space_id: int, channel_id: int, member_id: int, now: dt.datetime
) -> None:
    """Take the member's and the channel's slot, or raise :class:`Full` (the caller's unit rolls back)."""
    scopes = (
        (f"{limit.kind}:chan:{channel_id}:member:{member_id}", limit.per_member),
        (f"{limit.kind}:chan:{channel_id}", limit.per_channel),
    )
    for scope, most in scopes:
        if not await slots.take(
            session, space_id=space_id, scope=scope, limit=most, window=limit.window, now=now
        ):
            raise Full(limit.kind)


def next_window(limit: Limit, now: dt.datetime) -> dt.datetime:
    """When the current window ends and slots free up."""
    return slots.window_start(now, limit.window) + limit.window
