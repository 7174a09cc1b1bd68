"""``/prep leaderboard [week|month|all]`` and ``/prep stats``.

The leaderboard is public (within the limits of ``bot.services.public_posts``,
privately beyond them) and covers the whole space (workspace or server);
totals come from the running totals of the points ledger, summed over whole UTC
days (``week``: today and the 6 days before), ranks are shared by ties (1, 2, 2, 4).
Stats are private: accuracy per topic, items seen, points and the streak of
consecutive active days in the member's own time zone (without one, the channel's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import quiz
from bot.content import Pack
from bot.feature import Feature
from bot.render import OutboundMessage, Section
from bot.services import forecast, public_posts
from bot.services.context import UserError
from bot.services.forecast import member_deadline
from bot.services.public_posts import LEADERBOARD
from bot.store import ledger
from bot.store import quizzes as store
from bot.store.ledger import Standing
from bot.store.tenants import ensure_channel, ensure_member, ensure_space, find_channel
from bot.store.totals import day_of

if TYPE_CHECKING:
    from bot.turn import Turn

PERIODS: dict[str, tuple[dt.timedelta | None, str]] = {
    "week": (dt.timedelta(days=7), "the last 7 days"),
    "month": (dt.timedelta(days=30), "the last 30 days"),
    "all": (None, "all time"),
}
STREAK_WINDOW = dt.timedelta(days=400)  # streaks longer than this still show, capped


def parse_period(args: tuple[str, ...]) -> str:
    period = args[0].casefold() if args else "all"
    if period not in PERIODS:
        raise UserError("Usage: `/prep leaderboard [week|month|all]`.")
    return period


def first_day_of(period: str, now: dt.datetime) -> dt.date | None:
    """The first UTC day a period counts: ``week`` is today and the 6 days before (UTC), ``month``
    today and the 29 before, ``all`` has none. Whole days, as the running totals keep them."""
    span = PERIODS[period][0]
    return None if span is None else day_of(now) - span + dt.timedelta(days=1)


def board_lines(rows: list[Standing]) -> list[str]:
    """One line per member; a shared rank is marked so ties read as ties."""
    ranks = [r.rank for r in rows]
    lines = []
    for row in rows:
        tie = " (tie)" if ranks.count(row.rank) > 1 else ""
        lines.append(f"{row.rank}. {row.name} — {row.points} points{tie}")
    return lines


async def leaderboard(turn: Turn, args: tuple[str, ...]) -> None:
    """Post the space's standings for the chosen period in the channel."""
    period = parse_period(args)
    label = PERIODS[period][1]
    first_day = first_day_of(period, turn.ctx.clock.now())
    async with turn.ctx.db.unit() as session:
        space = await ensure_space(session, ref=turn.channel.space)
        assert space.id is not None
        rows = await ledger.standings(session, space_id=space.id, first_day=first_day, limit=10)
    public = await _may_post(turn)
    if not rows:
        message = OutboundMessage(
            text=f"🏆 Leaderboard ({label}): no points yet. Start with `/prep quiz` or `/prep challenge`."
        )
    else:
        message = OutboundMessage(
            text=f"🏆 Leaderboard ({label})",
            sections=(Section("\n".join(board_lines(rows))),),
            footer="Points: quizzes, challenges, reviews and culture answers.",
        )
    if public:
        await turn.post(message)
        return
    note = (
        "Shown only to you: this channel has seen the leaderboard recently "
        f"(each member may post it once an hour, the channel {LEADERBOARD.per_channel} times)."
    )
    await turn.whisper(replace(message, footer=note))


async def _may_post(turn: Turn) -> bool:
    """Take this member's and this channel's leaderboard slot; False when either is used up."""
    ctx = turn.ctx
    try:
        async with ctx.db.unit() as session:
            channel = await ensure_channel(session, ref=turn.channel)
            member = await ensure_member(session, ref=turn.member)
            assert channel.id is not None and member.id is not None
            await public_posts.take(
                session,
                limit=LEADERBOARD,
                space_id=channel.space_id,
                channel_id=channel.id,
                member_id=member.id,
                now=ctx.clock.now(),
            )
    except public_posts.Full:
        return False
    return True


def member_zone(name: str | None) -> ZoneInfo:
    """The member's IANA zone; an unknown or missing one counts as UTC."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def topic_lines(pack: Pack, tallies: dict[str, quiz.Tally], seen: dict[str, set[str]]) -> list[str]:
    lines = []
    for topic in pack.topics:
        total = len(pack.quiz_items(topic=topic.id))
        if not total:
            continue
        tally = tallies.get(topic.id, quiz.Tally())
        shown = len(seen.get(topic.id, set()))
        accuracy = f"{tally.accuracy:.0%} right ({tally.correct}/{tally.attempts})" if tally.attempts else "—"
        lines.append(f"`{topic.id}`: {accuracy}, {shown} of {total} items seen")
    return lines


async def stats(turn: Turn, args: tuple[str, ...]) -> None:
    """Privately: accuracy per topic, items seen, points and streak."""
    ctx = turn.ctx
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        member = await ensure_member(session, ref=turn.member)
        assert member.id is not None
        tallies = await store.topic_tallies(session, member_id=member.id)
        seen = await store.seen_items(session, member_id=member.id)
        times = await store.answer_times(session, member_id=member.id, since=now - STREAK_WINDOW)
        points = await ledger.total_points(session, space_id=member.space_id, member_id=member.id)
        # Like plans and pairing: the member's own zone, else the channel's.
        channel = None if member.timezone else await find_channel(session, ref=turn.channel)
        zone_name = member.timezone or (channel.timezone if channel else None)
        cards = await store.member_cards(session, member_id=member.id)
        deadline = await member_deadline(session, member)
    zone = member_zone(zone_name)
    forecasts = forecast.by_topic(
        ctx.library.default, cards, now, target=ctx.settings.target_recall, deadline=deadline
    )
    day = member.interview_date if deadline is not None and deadline > now else None
    days = {t.astimezone(zone).date() for t in times}
    run = quiz.streak(days, now.astimezone(zone).date())
    answered = sum(t.attempts for t in tallies.values())
    right = sum(t.correct for t in tallies.values())
    overall = f"{right}/{answered} right" if answered else "no answers yet"
    await turn.whisper(
        OutboundMessage(
            text=f"Your prep stats: {overall}, {points} points, streak {run} day(s).",
            sections=(
                Section("\n".join(topic_lines(ctx.library.default, tallies, seen)), title="By topic"),
                Section(
                    "\n".join(forecast.forecast_lines(forecasts, day))
                    or "No items in review yet: questions you miss come back in `/prep review`, "
                    "and their predicted recall shows here.",
                    title="Predicted recall",
                ),
            ),
            footer=f"Days count in {zone.key}"
            + ("." if member.timezone else "; set your own zone with `/prep tz Area/City`."),
        )
    )


FEATURE = Feature("leaderboard", commands={"leaderboard": leaderboard, "stats": stats})
