"""Mock-interview pairing, as members and organizers use it: ``/prep pair`` and the feedback form.

``/prep pair`` opts in or out; ``pair now``, ``pair day DAY`` and ``pair off`` are for
whoever may organize the channel (:func:`bot.services.permissions.can_organize`).
Rounds, scripts and check-ins live in :mod:`bot.services.pairing_rounds`; the pure
rules in :mod:`bot.pairing` choose the groups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.buttons import RateInterview
from bot.feature import Feature, button
from bot.schedule import DAY_NAMES, ScheduleError, local_date, parse_weekdays
from bot.services.context import UserError
from bot.services.pairing_messages import rating_form, runner_report, thanks
from bot.services.pairing_rounds import (
    OFF,
    QUESTIONS,
    RATE_ACTION,
    ROUND_TIME,
    run_round,
    tick,
    week_key,
    weekday_of,
)
from bot.services.permissions import can_organize, organizer_refusal
from bot.store import pairings as store
from bot.store.channels import set_pairing_weekday
from bot.store.enums import SeatRole
from bot.store.models import Channel
from bot.store.tenants import ensure_channel, ensure_member

if TYPE_CHECKING:
    from bot.turn import Turn


def describe_day(channel: Channel) -> str:
    day = weekday_of(channel)
    if day == OFF:
        return "paused by an organizer (`/prep pair day mon` resumes them)"
    return f"drawn every {DAY_NAMES[day].capitalize()} at {ROUND_TIME:%H:%M} {channel.timezone}"


async def pair_command(turn: Turn, args: tuple[str, ...]) -> None:
    """``/prep pair`` toggles; organizers also have ``pair now``, ``pair day DAY`` and ``pair off``."""
    action = args[0].lower() if args else ""
    if action in ("now", "day", "off"):
        if not await can_organize(turn.ctx, turn.member, turn.channel):
            raise UserError(
                organizer_refusal(turn.member, f"pair {action}")
                + " `/prep pair` on its own opts you in or out of pairing."
            )
        if action == "now":
            if args[1:]:
                raise UserError("`/prep pair now` takes nothing after `now`.")
            await pair_now(turn)
        elif action == "off":
            if args[1:]:
                raise UserError("`/prep pair off` takes nothing after `off`; `/prep pair day wed` resumes.")
            await _set_day(turn, ("off",))
        else:
            await _set_day(turn, args[1:])
        return
    if args:
        raise UserError(
            f"I don't know `/prep pair {args[0]}`. `/prep pair` opts you in or out; organizers use "
            "`/prep pair now`, `/prep pair day mon` (any weekday) or `/prep pair off`."
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
        raise UserError("Name a day (`/prep pair day wed`), or pause pairing with `/prep pair off`.")
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
        await set_pairing_weekday(session, channel=channel, weekday=day)
    await turn.whisper(f"Mock-interview pairs in this channel are now {describe_day(channel)}.")


async def pair_now(turn: Turn) -> None:
    """Draw this week's round if there is none, else send the scripts that did not arrive; tell the runner."""
    async with turn.ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=turn.channel)
    key = week_key(local_date(turn.ctx.clock.now(), channel.timezone))
    report = await run_round(turn.ctx, turn.port, turn.channel.space, turn.channel.id, key, retry_failed=True)
    await turn.whisper(runner_report(report, turn.channel.space.platform))


async def rate(turn: Turn, value: RateInterview, message: object) -> None:
    """An interviewer rated a candidate on one question; ask the next one or say thanks."""
    round_id, candidate_id, question, rating = (
        value.round_id,
        value.candidate_id,
        value.question,
        value.rating,
    )
    if question not in QUESTIONS:
        raise UserError("That feedback button is broken; wait for the next check-in.")
    async with turn.ctx.db.unit() as session:
        reviewer = await ensure_member(session, ref=turn.member)
        seated = await store.seats(session, round_id=round_id)
        mine = next((s for s, m in seated if m.id == reviewer.id), None)
        theirs = next(((s, m) for s, m in seated if m.id == candidate_id), None)
        if (
            mine is None
            or theirs is None
            or mine.role != SeatRole.INTERVIEWER
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


FEATURE = Feature(
    "pairing", commands={"pair": pair_command}, buttons=(button(RateInterview, rate),), ticks=(tick,)
)
