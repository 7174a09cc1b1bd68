"""Predicted recall for members: their interview deadline, and forecasts per topic.

FSRS works in UTC; a member's interview day is local. The deadline handed to
:mod:`bot.memory` is the start of the interview date in the member's zone (else
their plan channel's, else UTC), so "on the day" means the morning they walk in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import memory
from bot.content import Pack
from bot.schedule import known
from bot.store.channels import get_channel
from bot.store.models import Channel, Member


def zone_of(member: Member, channel: Channel | None) -> ZoneInfo:
    """The member's own zone, else the channel's, else UTC (an unknown name falls through)."""
    return ZoneInfo(known(member.timezone, channel.timezone if channel else None))


def deadline_for(member: Member, zone: ZoneInfo) -> dt.datetime | None:
    """The UTC instant the member's interview day starts, or None without a date."""
    if member.interview_date is None:
        return None
    return dt.datetime.combine(member.interview_date, dt.time(0, 0), tzinfo=zone).astimezone(dt.UTC)


async def member_deadline(session: AsyncSession, member: Member) -> dt.datetime | None:
    """:func:`deadline_for` with the zone the plan uses (the plan channel's when the member has none)."""
    if member.interview_date is None:
        return None
    channel = None
    if member.timezone is None and member.plan_channel_id is not None:
        channel = await get_channel(session, channel_id=member.plan_channel_id)
    return deadline_for(member, zone_of(member, channel))


@dataclass(frozen=True)
class TopicForecast:
    """One topic's predicted recall for one member (over the items in their review queue)."""

    topic: str
    items: int
    today: float
    on_day: float | None = None
    at_risk: int = 0


def by_topic(
    pack: Pack,
    cards: list[tuple[str, memory.Memory]],
    now: dt.datetime,
    *,
    target: float,
    deadline: dt.datetime | None,
) -> list[TopicForecast]:
    """Per topic, in pack order: mean predicted recall now and on the deadline, items at risk."""
    found: list[TopicForecast] = []
    for topic in pack.topics:
        mine = [m for item, m in cards if pack.get(item) is not None and pack.topic_of(item) == topic.id]
        if not mine:
            continue
        today = memory.mean_recall(mine, now) or 0.0
        if deadline is None or deadline <= now:
            found.append(TopicForecast(topic.id, len(mine), today))
            continue
        on_day = memory.mean_recall(mine, deadline) or 0.0
        risky = sum(1 for m in mine if memory.at_risk(m, deadline, target))
        found.append(TopicForecast(topic.id, len(mine), today, on_day, risky))
    return found


def forecast_lines(forecasts: list[TopicForecast], day: dt.date | None) -> list[str]:
    """``topic: predicted recall today 82%; predicted recall on 2026-05-01 74%, 2 item(s) at risk``."""
    lines = []
    for f in forecasts:
        line = f"`{f.topic}`: predicted recall today {f.today:.0%} ({f.items} item(s) in review)"
        if f.on_day is not None and day is not None:
            line += f"; predicted recall on {day.isoformat()} {f.on_day:.0%}, {f.at_risk} item(s) at risk"
        lines.append(line)
    return lines
