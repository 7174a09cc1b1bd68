"""Mock-interview pairing: opt in with ``/prep pair``, weekly rounds, check-ins and feedback.

A round is claimed with a unique (channel, round key) row before anyone is told,
so a retry, a restart or a second process never pairs a channel twice. The pure
rules in :mod:`bot.pairing` choose the groups; this service stores and tells them.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from bot.domain import ChannelRef, MemberRef, Platform, SpaceRef
from bot.pairing import Candidate, make_groups
from bot.schedule import DAY_NAMES, Schedule, ScheduleError, latest_occurrence, parse_weekdays
from bot.services.context import ServiceContext, UserError
from bot.services.pairing_messages import assignment, check_in, rating_form, thanks
from bot.store import pairings as store
from bot.store.models import Channel, Member, PairingSeat, Space
from bot.store.prompts import channel_ref
from bot.store.tenants import ensure_channel, ensure_member

if TYPE_CHECKING:
    from bot.ports import ChatPort
    from bot.router import Prepbot, Turn

log = logging.getLogger(__name__)

ROUND_TIME = dt.time(10, 0)
DEFAULT_WEEKDAY = 0
OFF = -1
CHECK_IN_AFTER = dt.timedelta(days=2)
RATE_ACTION = "pair.rate"
QUESTIONS = ("structure", "candor", "questions")


def weekday_of(channel: Channel) -> int:
    return DEFAULT_WEEKDAY if channel.pairing_weekday is None else channel.pairing_weekday


def describe_day(channel: Channel) -> str:
    day = weekday_of(channel)
    if day == OFF:
        return "paused by an admin"
    return f"drawn every {DAY_NAMES[day].capitalize()} at {ROUND_TIME:%H:%M} {channel.timezone}"


async def pair_command(turn: Turn, args: tuple[str, ...]) -> None:
    """``/prep pair`` toggles; admins also have ``pair day DAY|off`` and ``pair now``."""
    if args and args[0].lower() in ("day", "now"):
        if not turn.member.is_admin:
            raise UserError(f"`/prep pair {args[0]}` is for admins; `/prep pair` opts you in or out.")
        if args[0].lower() == "now":
            await run_round(
                turn.ctx, turn.port, turn.channel.space, turn.channel.id, f"manual:{turn.delivery_id}"
            )
            return
        await _set_day(turn, args[1:])
        return
    if args:
        raise UserError(
            "Use `/prep pair` to opt in or out (admins: `/prep pair day mon|off`, `/prep pair now`)."
        )
    async with turn.ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=turn.channel)
        member = await ensure_member(session, ref=turn.member)
        assert channel.id is not None and member.id is not None
        joined = await store.toggle_opt_in(
            session, space_id=channel.space_id, channel_id=channel.id, member_id=member.id
        )
        count = len(await store.opted_in(session, channel_id=channel.id))
    if joined:
        await turn.whisper(
            f"You're opted in to mock-interview pairing in #{turn.channel.name or turn.channel.id}. "
            f"Pairs are {describe_day(channel)}; {count} member(s) opted in. "
            "Run `/prep pair` again to opt out."
        )
    else:
        await turn.whisper("You're opted out of mock-interview pairing here. `/prep pair` opts you back in.")


async def _set_day(turn: Turn, words: tuple[str, ...]) -> None:
    if not words:
        raise UserError("Name a day (`/prep pair day wed`) or `off`.")
    if words[0].lower() == "off":
        day = OFF
    else:
        try:
            days = parse_weekdays(words[0])
        except ScheduleError as exc:
            raise UserError(str(exc)) from None
        if len(days) != 1:
            raise UserError("Pairing runs once a week: name one day, like `wed`.")
        day = next(iter(days))
    async with turn.ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=turn.channel)
        channel.pairing_weekday = day
        session.add(channel)
    await turn.whisper(f"Mock-interview pairs in this channel are now {describe_day(channel)}.")


def _offset_hours(zone: str | None, fallback: str, now: dt.datetime) -> float:
    try:
        offset = now.astimezone(ZoneInfo(zone or fallback)).utcoffset()
    except (KeyError, ValueError):
        offset = dt.timedelta(0)
    return (offset or dt.timedelta(0)).total_seconds() / 3600


async def run_round(
    ctx: ServiceContext, port: ChatPort, space: SpaceRef, channel_external_id: str, round_key: str
) -> int:
    """Claim and draw one round in a channel, then tell every member; returns the groups made."""
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=ChannelRef(space, channel_external_id))
        assert channel.id is not None
        round_ = await store.claim_round(
            session,
            space_id=channel.space_id,
            channel_id=channel.id,
            round_key=round_key,
            check_in_at=now + CHECK_IN_AFTER,
        )
        if round_ is None:
            return 0
        assert round_.id is not None
        members = await store.opted_in(session, channel_id=channel.id)
        turns = await store.interviewer_turns(session, channel_id=channel.id)
        recent = await store.recent_pairs(session, channel_id=channel.id)
        people = [
            Candidate(str(m.id), _offset_hours(m.timezone, channel.timezone, now), turns[str(m.id)])
            for m in members
        ]
        groups = make_groups(people, recent_pairs=recent, rng=ctx.rng)
        for number, group in enumerate(groups, start=1):
            for member_id in group.members:
                role = "interviewer" if member_id == group.interviewer else "candidate"
                session.add(
                    PairingSeat(round_id=round_.id, member_id=int(member_id), group_no=number, role=role)
                )
        round_id = round_.id
    by_id = {str(m.id): m for m in members}
    ref = ChannelRef(space, channel.external_id, channel.name)
    pack = ctx.library.default
    for group in groups:
        names = {mid: by_id[mid].display_name or by_id[mid].external_id for mid in group.members}
        for member_id in group.members:
            message = assignment(pack, ctx.rng, names, group, member_id, round_id)
            await port.whisper(ref, _member_ref(space, by_id[member_id]), message)
    if len(members) == 1:
        await port.whisper(ref, _member_ref(space, members[0]), thanks("lonely"))
    ctx.metrics.inc("prepbot_posts_total", kind="pairing", amount=float(len(members)))
    return len(groups)


def _member_ref(space: SpaceRef, member: Member) -> MemberRef:
    return MemberRef(space, member.external_id, member.display_name)


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
        occurrence = latest_occurrence(Schedule(ROUND_TIME, channel.timezone, frozenset({day})), now)
        if occurrence is None or now - occurrence.instant > grace:
            continue
        space_ref = SpaceRef(cast(Platform, space.platform), space.external_id, space.name)
        await run_round(
            ctx, port, space_ref, channel.external_id, f"week:{occurrence.local_date.isoformat()}"
        )
    await _check_ins(ctx, port, now)


async def _check_ins(ctx: ServiceContext, port: ChatPort, now: dt.datetime) -> None:
    async with ctx.db.unit() as session:
        due = await store.take_check_in(session, now=now)
        plans = []
        for round_ in due:
            assert round_.id is not None
            seated = await store.seats(session, round_id=round_.id)
            channel = await session.get(Channel, round_.channel_id)
            space = await session.get(Space, round_.space_id)
            if channel is not None and space is not None:
                plans.append((round_.id, seated, channel, space))
    for round_id, seated, channel, space in plans:
        space_ref = SpaceRef(cast(Platform, space.platform), space.external_id, space.name)
        ref = channel_ref(channel, space)
        for seat, member in seated:
            group = [m for s, m in seated if s.group_no == seat.group_no and m.id != member.id]
            await port.whisper(ref, _member_ref(space_ref, member), check_in(seat.role, group))
            if seat.role == "interviewer":
                for s, candidate in seated:
                    if s.group_no == seat.group_no and s.role == "candidate":
                        assert candidate.id is not None
                        form = rating_form(round_id, candidate, QUESTIONS[0], RATE_ACTION)
                        await port.whisper(ref, _member_ref(space_ref, member), form)


async def rate(turn: Turn, value: str, message: object) -> None:
    """An interviewer rated a candidate on one question; ask the next one or say thanks."""
    try:
        round_text, candidate_text, question, rating_text = value.split(":")
        round_id, candidate_id, rating = int(round_text), int(candidate_text), int(rating_text)
    except ValueError:
        raise UserError("That feedback button is broken; wait for the next check-in.") from None
    if question not in QUESTIONS or not 1 <= rating <= 5:
        raise UserError("That feedback button is broken; wait for the next check-in.")
    async with turn.ctx.db.unit() as session:
        reviewer = await ensure_member(session, ref=turn.member)
        seated = await store.seats(session, round_id=round_id)
        mine = next((s for s, m in seated if m.id == reviewer.id), None)
        theirs = next(((s, m) for s, m in seated if m.id == candidate_id), None)
        if (
            mine is None
            or theirs is None
            or mine.role != "interviewer"
            or mine.group_no != theirs[0].group_no
        ):
            raise UserError("Only the interviewer of that mock interview can rate it.")
        assert reviewer.id is not None
        await store.save_feedback(
            session,
            space_id=reviewer.space_id,
            round_id=round_id,
            candidate_id=candidate_id,
            reviewer_id=reviewer.id,
            question=question,
            rating=rating,
        )
        candidate = theirs[1]
    following = QUESTIONS.index(question) + 1
    if following < len(QUESTIONS):
        await turn.whisper(rating_form(round_id, candidate, QUESTIONS[following], RATE_ACTION))
    else:
        await turn.whisper(thanks("rated", candidate.display_name or candidate.external_id))


def install(bot: Prepbot) -> None:
    bot.command("pair", pair_command)
    bot.button(RATE_ACTION, rate)
    bot.on_tick(tick)
