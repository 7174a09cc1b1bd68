"""The weekly team readiness report: per-topic predicted recall and participation, with a chart.

Each channel with a running daily prompt schedule gets one report a week, on
:data:`REPORT_DAY` at :data:`REPORT_TIME` in the channel's zone (caught up within
the catch-up window after a restart). The week is claimed as a daily claim
(``readiness``, ``<channel>:<ISO week>``) with its post (``bot.services.sent_once``),
so the report goes out once per channel-week however many processes tick, and a
post that failed on an outage is retried on a later tick.

The team is the channel's workspace or server (cards belong to a space, not a
channel). Numbers are aggregated so that no member can be singled out: a topic
shows a predicted recall only when at least :data:`MIN_MEMBERS` members have items
in review there; otherwise it says "not enough data". The chart is drawn with
matplotlib (Agg backend), imported only when a report is drawn; the message
carries the same numbers as text, for screen readers.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import memory
from bot.content import Pack
from bot.feature import Feature
from bot.render import OutboundMessage, Section
from bot.schedule import Schedule, due, iso_week
from bot.services.context import ServiceContext
from bot.services.sent_once import send_once
from bot.store import quizzes
from bot.store.enums import DailyKind
from bot.store.models import Channel, Space
from bot.store.prompts import scheduled_channels
from bot.store.refs import channel_ref

if TYPE_CHECKING:
    from bot.ports import ChatPort

log = logging.getLogger(__name__)

REPORT_DAY = 4  # Friday
REPORT_TIME = dt.time(16, 0)
MIN_MEMBERS = 3
WEEK = dt.timedelta(days=7)
NOT_ENOUGH = "not enough data"


@dataclass(frozen=True)
class TopicLine:
    """One topic's team figure: ``recall`` is None when fewer than MIN_MEMBERS members have data."""

    topic: str
    title: str
    members: int
    recall: float | None


@dataclass(frozen=True)
class Readiness:
    week: str
    active: int
    members: int
    topics: tuple[TopicLine, ...]


def aggregate(pack: Pack, cards: list[tuple[int, str, memory.Memory]], now: dt.datetime) -> list[TopicLine]:
    """Per topic: the mean over members of each member's mean predicted recall, when 3+ members."""
    per: dict[str, dict[int, list[float]]] = {}
    for member_id, item_id, state in cards:
        if pack.get(item_id) is None:
            continue
        per.setdefault(pack.topic_of(item_id), {}).setdefault(member_id, []).append(memory.recall(state, now))
    lines = []
    for topic in pack.topics:
        if not pack.quiz_items(topic=topic.id):
            continue
        members = per.get(topic.id, {})
        means = [sum(v) / len(v) for v in members.values()]
        recall = sum(means) / len(means) if len(means) >= MIN_MEMBERS else None
        lines.append(TopicLine(topic.id, topic.title, len(means), recall))
    return lines


def report_message(report: Readiness) -> OutboundMessage:
    """The same numbers as the chart, as text."""
    lines = []
    for t in report.topics:
        if t.recall is None:
            lines.append(f"`{t.topic}` ({t.title}): {NOT_ENOUGH} (fewer than {MIN_MEMBERS} members)")
        else:
            lines.append(
                f"`{t.topic}` ({t.title}): predicted recall {t.recall:.0%} across {t.members} members"
            )
    return OutboundMessage(
        text=f"Weekly team readiness ({report.week}): {report.active} of {report.members} "
        "members practised in the last 7 days.",
        sections=(Section("\n".join(lines), title="Predicted recall by topic"),),
        footer=f"Team figures only: a topic shows with {MIN_MEMBERS} or more members' data. "
        "Your own forecast: `/prep stats`.",
    )


def draw_chart(report: Readiness) -> bytes:
    """A horizontal bar chart as PNG bytes (matplotlib imported here, only when a report is drawn)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = [t.topic for t in report.topics]
    values = [100 * (t.recall or 0.0) for t in report.topics]
    fig, ax = plt.subplots(figsize=(7, 0.6 * len(labels) + 1.6), dpi=100)
    try:
        bars = ax.barh(labels, values, color="#3b7dd8")
        for bar, line in zip(bars, report.topics, strict=True):
            note = NOT_ENOUGH if line.recall is None else f"{line.recall:.0%}"
            ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, note, va="center")
        ax.set_xlim(0, 115)
        ax.set_xlabel("Predicted recall today (%)")
        ax.invert_yaxis()
        ax.set_title(f"Team readiness {report.week}: {report.active} of {report.members} practised")
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)


async def tick(ctx: ServiceContext, port: ChatPort) -> None:
    """Post the week's report in each scheduled channel once, on its report day and time."""
    now = ctx.clock.now()
    grace = dt.timedelta(hours=max(ctx.settings.catch_up_hours, 1.0))
    async with ctx.db.unit() as session:
        channels = await scheduled_channels(session)
    for channel, space in channels:
        try:
            when = due(Schedule(REPORT_TIME, channel.timezone, frozenset({REPORT_DAY})), now, window=grace)
        except (KeyError, ValueError):
            continue  # an unknown zone: the prompt schedule reports that itself
        if when is None:
            continue
        try:
            await post_report(ctx, port, channel, space, iso_week(when.local_date))
        except Exception:
            # One channel's trouble never holds back another channel's report.
            log.exception("the readiness report of channel %s failed", channel.id)


async def post_report(ctx: ServiceContext, port: ChatPort, channel: Channel, space: Space, week: str) -> bool:
    """Claim the channel-week with its post, then draw and post the report; True once it was posted.

    False when nobody has practised yet (nothing claimed), when it was posted or given
    up already, or when the post failed: an outage is retried on a later tick while
    the report is due, a channel prepbot cannot post in is recorded once.
    """
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        active, members = await quizzes.active_members(session, space_id=space.id or 0, since=now - WEEK)
    if members == 0:
        return False

    async def send() -> None:
        async with ctx.db.unit() as session:
            cards = await quizzes.space_cards(session, space_id=space.id or 0)
        report = Readiness(week, active, members, tuple(aggregate(ctx.library.default, cards, now)))
        chart = draw_chart(report)
        where = channel_ref(channel, space)
        await port.post_file(where, f"readiness-{week}.png", chart, report_message(report))

    sent = await send_once(
        ctx, space_id=space.id or 0, kind=DailyKind.READINESS, key=f"{channel.id}:{week}", work=send
    )
    return sent == "sent"


FEATURE = Feature("readiness", ticks=(tick,))
