"""Weekly mock-interview rounds: drawn once per channel and ISO week, scripts sent until they arrive.

A round is claimed with a unique (channel, ``week:YYYY-Www``) row, in the channel's
time zone, before anyone is told, so a retry, a restart, ``/prep pair now`` or a
second process never pairs a channel twice in a week. Each member's script is a
direct message whose fate is kept on their seat: delivered, or why not (closed
DMs). A member who cannot be reached is named (to whoever ran ``pair now``, or in
the channel for the weekly draw) and the others still get theirs; the next run
sends only what is missing.

A round need not wait a week for company: when the week's draw found fewer than
two members, the opt-in that makes two draws it at once (:func:`draw_on_opt_in`),
and the member who was alone gets their script then. Members with an interview
within 14 days sit as candidates first (the draw: :mod:`bot.services.pairing_draw`),
and an interviewer's script asks scenarios they have answered. Rounds are numbered per
channel.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from bot.buttons import RateInterview
from bot.domain import ChannelRef, SpaceRef
from bot.logs import log_context
from bot.pairing import Group
from bot.schedule import Schedule, due, iso_week, known, latest_occurrence, local_date
from bot.services.context import ServiceContext
from bot.services.delivery import METRIC, Missed, member_ref, send_direct, tell_channel
from bot.services.pairing_draw import draw
from bot.services.pairing_messages import (
    RoundReport,
    assignment,
    check_in,
    missed_check_ins,
    missed_in_channel,
    rating_form,
    thanks,
)
from bot.services.sent_once import send_once  # the note is claimed with its send
from bot.store import pairings as store
from bot.store.channels import with_space
from bot.store.enums import DailyKind, SeatRole
from bot.store.models import Channel, Member, PairingSeat, Space
from bot.store.refs import channel_ref, space_ref
from bot.store.tenants import ensure_channel

if TYPE_CHECKING:
    from bot.ports import ChatPort

log = logging.getLogger(__name__)

ROUND_TIME = dt.time(10, 0)
DEFAULT_WEEKDAY = 0
OFF = -1
# Long enough for one DM that waits out a rate limit; after a crash mid-send, the
# next run (a tick, or `/prep pair now`) sends that script.
SEAT_LEASE = dt.timedelta(seconds=60)
RATE_ACTION = RateInterview.ACTION
LATE_LEAD = "Another member has opted in, so this week's round is drawn now. "
QUESTIONS = ("structure", "candor", "questions")


def weekday_of(channel: Channel) -> int:
    return DEFAULT_WEEKDAY if channel.pairing_weekday is None else channel.pairing_weekday


def week_key(local_day: dt.date) -> str:
    """The round key of the ISO week holding ``local_day`` (a date in the channel's zone)."""
    return f"week:{iso_week(local_day)}"


async def run_round(
    ctx: ServiceContext,
    port: ChatPort,
    space: SpaceRef,
    channel_external_id: str,
    round_key: str,
    *,
    retry_failed: bool = False,
    lead: str = "",
) -> RoundReport:
    """Draw the channel's round for ``round_key`` once, then send every script not yet delivered.

    Safe to call again and again: the round is drawn at most once, and each seat's
    script is sent by whoever takes its lease and marked when it arrives, so a
    retry after a partial failure sends only what is missing. Scripts that failed
    for good (closed DMs) are retried only with ``retry_failed`` (``/prep pair now``).
    """
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=ChannelRef(space, channel_external_id))
        opted = len(await store.opted_in(session, channel_id=channel.id or 0))
    round_id, drawn = await draw(ctx, channel, round_key, now)
    if round_id is None:
        return RoundReport(exists=False, members=opted)
    async with ctx.db.unit() as session:
        seated = await store.seats(session, round_id=round_id)
        round_ = await store.get_round(session, round_id=round_id)
        answered_by = await store.answered_scenarios(session, member_ids=[m.id for _, m in seated if m.id])
    number = (round_.number if round_ is not None else None) or round_id
    report = RoundReport(drawn=drawn, members=len(seated), groups=len({s.group_no for s, _ in seated}))
    with log_context(space=space.id, channel=channel_external_id, delivery=f"pairing:{round_key}"):
        names = {str(m.id): m.display_name or m.external_id for _, m in seated}
        groups = _groups(seated)
        pack = ctx.library.default
        for seat, member in seated:
            if seat.delivered_at is not None:
                report.already += 1
                continue
            assert seat.id is not None
            try:
                async with ctx.db.unit() as session:
                    mine = await store.take_seat(
                        session, seat_id=seat.id, now=now, until=now + SEAT_LEASE, retry_failed=retry_failed
                    )
                if not mine:
                    continue
                group = groups[seat.group_no]
                asks = frozenset(answered_by.get(int(group.interviewer), ()))
                message = assignment(
                    pack,
                    ctx.rng,
                    names,
                    group,
                    str(member.id),
                    number,
                    known=asks,
                    lead=lead if drawn else "",
                )
                failure = await send_direct(ctx, port, member_ref(space, member), message)
                async with ctx.db.unit() as session:
                    await store.seat_sent(
                        session,
                        seat_id=seat.id,
                        at=None if failure else ctx.clock.now(),
                        failure=failure or "",
                    )
            except Exception:
                # The seat's lease runs out and the next run sends it; the loop goes on meanwhile.
                log.exception("sending the pairing script of seat %s failed", seat.id)
                ctx.metrics.inc(METRIC, reason="error")
                failure = "error"
            if failure:
                report.missed.append(Missed(names[str(member.id)], failure))
            else:
                report.sent += 1
                log.info("sent the pairing script of seat %s", seat.id)
        ctx.metrics.inc("prepbot_posts_total", kind="pairing", amount=float(report.sent))
    return report


def _groups(seated: list[tuple[PairingSeat, Member]]) -> dict[int, Group]:
    """The round's groups as the pairing rules made them, rebuilt from the stored seats."""
    groups: dict[int, Group] = {}
    for number in sorted({s.group_no for s, _ in seated}):
        seats_in = [(s, m) for s, m in seated if s.group_no == number]
        interviewer = next(str(m.id) for s, m in seats_in if s.role == SeatRole.INTERVIEWER)
        candidates = tuple(str(m.id) for s, m in seats_in if s.role != SeatRole.INTERVIEWER)
        groups[number] = Group(interviewer, candidates)
    return groups


async def tick(ctx: ServiceContext, port: ChatPort) -> None:
    """Draw rounds that are due (within the catch-up window) and send due check-ins."""
    now = ctx.clock.now()
    grace = dt.timedelta(hours=ctx.settings.catch_up_hours)
    async with ctx.db.unit() as session:
        channels = await store.pairing_channels(session)
    for channel, space in channels:
        day = weekday_of(channel)
        if day == OFF:
            continue
        occurrence = due(Schedule(ROUND_TIME, known(channel.timezone), frozenset({day})), now, window=grace)
        if occurrence is None:
            continue
        try:
            await _weekly(ctx, port, channel, space, week_key(occurrence.local_date))
        except Exception:
            # One channel's trouble never holds back another channel's round.
            log.exception("the pairing round of channel %s failed", channel.id)
    await _check_ins(ctx, port, now)


async def _weekly(ctx: ServiceContext, port: ChatPort, channel: Channel, space: Space, key: str) -> None:
    report = await run_round(ctx, port, space_ref(space), channel.external_id, key)
    where = channel_ref(channel, space)
    if report.missed:
        # Named in the channel (plain text, no mentions): nobody else ran anything to be told.
        await tell_channel(ctx, port, where, missed_in_channel(report.missed))
    if not report.exists and report.members == 1:
        async with ctx.db.unit() as session:
            alone = await store.opted_in(session, channel_id=channel.id or 0)
        if alone:  # they may have opted out since the draw found them alone
            to = member_ref(space_ref(space), alone[0])
            await send_once(
                ctx,
                space_id=channel.space_id,
                kind=DailyKind.PAIR_LONELY,
                key=f"{channel.id}:{key}",
                work=lambda: port.direct(to, thanks("lonely")),
            )


async def draw_on_opt_in(ctx: ServiceContext, port: ChatPort, channel_ref_: ChannelRef) -> RoundReport | None:
    """After an opt-in: draw this week's round now if its time has passed without one.

    The weekly draw at the channel's day and time needs two members; when it found
    fewer, the opt-in that makes two draws the round (the member who was alone gets
    their script now, led by why). Before the week's time, or when paused, nothing;
    after this week's round was drawn, a report marked ``late``: they wait for next week's.
    """
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=channel_ref_)
        opted = len(await store.opted_in(session, channel_id=channel.id or 0))
    day = weekday_of(channel)
    if day == OFF or opted < 2:
        return None
    occurrence = latest_occurrence(Schedule(ROUND_TIME, known(channel.timezone), frozenset({day})), now)
    key = week_key(local_date(now, channel.timezone))
    if occurrence is None or week_key(occurrence.local_date) != key:
        return None  # this week's draw is still to come: it will include everyone
    async with ctx.db.unit() as session:
        if await store.round_for(session, channel_id=channel.id or 0, round_key=key) is not None:
            return RoundReport(drawn=False, late=True)  # a channel has one round a week
    return await run_round(ctx, port, channel_ref_.space, channel_ref_.id, key, lead=LATE_LEAD)


async def _check_ins(ctx: ServiceContext, port: ChatPort, now: dt.datetime) -> None:
    async with ctx.db.unit() as session:
        due = await store.take_check_in(session, now=now)
        plans = []
        for round_ in due:
            assert round_.id is not None
            seated = await store.seats(session, round_id=round_.id)
            found = await with_space(session, channel_id=round_.channel_id)
            if found is not None:
                plans.append((round_.id, seated, *found))
    for round_id, seated, channel, space in plans:
        where = space_ref(space)
        missed: list[Missed] = []
        for seat, member in seated:
            group = [m for s, m in seated if s.group_no == seat.group_no and m.id != member.id]
            messages = [check_in(seat.role, group, round_id)]
            if seat.role == SeatRole.INTERVIEWER:
                messages += [
                    rating_form(round_id, candidate, QUESTIONS[0], RATE_ACTION)
                    for s, candidate in seated
                    if s.group_no == seat.group_no and s.role == SeatRole.CANDIDATE
                ]
            for message in messages:
                failure = await send_direct(ctx, port, member_ref(where, member), message)
                if failure:
                    # The rest of this member's messages would fail the same way.
                    missed.append(Missed(member.display_name or member.external_id, failure))
                    break
        if missed:
            await tell_channel(ctx, port, channel_ref(channel, space), missed_check_ins(missed))
