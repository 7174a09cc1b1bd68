"""Mock-interview pairing, as members and organizers use it: ``/prep pair`` and the feedback form.

``/prep pair`` opts in or out (the opt-in that makes two, after the week's draw
found one, draws the round at once); ``pair now``, ``pair day DAY`` and ``pair off`` are for
whoever may organize the channel (:func:`bot.services.permissions.can_organize`).
After a round, both sides answer the check-in; the interviewer rates the candidate
(pressing again corrects a rating, and says so) and writes a short note that
reaches the candidate by direct message at once. The note is the interviewer's
words for the candidate only: never logged.
Rounds, scripts and check-ins live in :mod:`bot.services.pairing_rounds`, the draw in
:mod:`bot.services.pairing_draw`; the pure rules in :mod:`bot.pairing` choose the groups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.buttons import CheckInAnswer, PairNote, RateInterview
from bot.feature import Feature, button, form
from bot.render import TextInput
from bot.schedule import DAY_NAMES, ScheduleError, local_date, parse_weekdays
from bot.services.context import UserError
from bot.services.delivery import member_ref, send_direct
from bot.services.pairing_messages import feedback_message, rating_form, runner_report, thanks
from bot.services.pairing_rounds import (
    OFF,
    QUESTIONS,
    RATE_ACTION,
    ROUND_TIME,
    draw_on_opt_in,
    run_round,
    tick,
    week_key,
    weekday_of,
)
from bot.services.permissions import can_organize, organizer_refusal
from bot.store import pairing_feedback as feedback
from bot.store import pairings as store
from bot.store.channels import set_pairing_weekday
from bot.store.enums import SeatRole
from bot.store.models import Channel, Member
from bot.store.tenants import ensure_channel, ensure_member

if TYPE_CHECKING:
    from bot.turn import Turn

NOTE_LIMIT = 1000
NOTE_FORM = TextInput(
    title="Note for the candidate",
    label="What went well, and one thing to work on",
    placeholder="For example: clear situation and result; say more about what you would do differently.",
    required=True,
    max_length=NOTE_LIMIT,
    submit="Send",
)
BROKEN = "That feedback button is broken; wait for the next check-in."


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
        report = await draw_on_opt_in(turn.ctx, turn.port, turn.channel)
        drawn = ""
        if report is not None and report.drawn:
            drawn = (
                f" This week's round is drawn now: {report.groups} group(s), {report.members} member(s); "
                "your script is in your direct messages."
            )
        elif report is not None and report.late:
            drawn = " This week's round was drawn before you opted in, so your first pair is in next week's."
        await turn.whisper(
            f"You're opted in to mock-interview pairing in #{turn.channel.name or turn.channel.id}. "
            f"Pairs are {describe_day(channel)}; {count} member(s) opted in.{drawn} "
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


async def _interviewer_of(
    session: AsyncSession, turn: Turn, round_id: int, candidate_id: int
) -> tuple[Member, Member]:
    """The presser and the candidate, when the presser interviewed them in this round; else a refusal."""
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
    return reviewer, theirs[1]


async def rate(turn: Turn, value: RateInterview, message: object) -> None:
    """An interviewer rated a candidate on one question; ask the next one, or say what changed."""
    round_id, candidate_id, question, rating = (
        value.round_id,
        value.candidate_id,
        value.question,
        value.rating,
    )
    if question not in QUESTIONS:
        raise UserError(BROKEN)
    async with turn.ctx.db.unit() as session:
        reviewer, candidate = await _interviewer_of(session, turn, round_id, candidate_id)
        assert reviewer.id is not None
        earlier = await feedback.save_feedback(
            session,
            space_id=reviewer.space_id,
            round_id=round_id,
            candidate_id=candidate_id,
            reviewer_id=reviewer.id,
            question=question,
            rating=rating,
        )
    name = candidate.display_name or candidate.external_id
    if earlier is not None:
        # A second press on a form already answered: a correction, never a new question.
        said = (
            "stays"
            if earlier == rating
            else f"is now {rating} (it was {earlier}; the earlier rating is replaced)"
        )
        await turn.whisper(f"Your “{question}” rating for {name} {said}.")
        return
    following = QUESTIONS.index(question) + 1
    if following < len(QUESTIONS):
        await turn.whisper(rating_form(round_id, candidate, QUESTIONS[following], RATE_ACTION))
    else:
        note = PairNote(round_id, candidate_id).button("Write a note", style="primary")
        await turn.whisper(thanks("rated", name, note))


async def met(turn: Turn, value: CheckInAnswer, message: object) -> None:
    """Either side of a round answers the check-in: did the mock interview happen?"""
    round_text, answer = str(value.round_id), "met" if value.met else "not_yet"
    async with turn.ctx.db.unit() as session:
        member = await ensure_member(session, ref=turn.member)
        seated = await feedback.set_met(
            session, round_id=int(round_text), member_id=member.id or 0, answer=answer
        )
        seat = next(
            (s for s, m in await store.seats(session, round_id=int(round_text)) if m.id == member.id), None
        )
    if not seated or seat is None:
        raise UserError("That check-in is for the members of that mock interview.")
    if answer == "not_yet":
        await turn.whisper("Noted. Find 30 minutes together this week; the check-in buttons stay here.")
    elif seat.role == SeatRole.INTERVIEWER:
        await turn.whisper("Great! Rate the candidate with the forms above, then add a short note.")
    else:
        await turn.whisper("Great! Your interviewer's ratings and note reach you by direct message.")


async def note(turn: Turn, value: PairNote, text: str, message: object) -> None:
    """The interviewer's written note: kept, then sent to the candidate by direct message now."""
    round_id, candidate_id = value.round_id, value.candidate_id
    words = text.strip()
    if not words:
        raise UserError("The note is empty: press **Write a note** again and write a line or two.")
    if len(words) > NOTE_LIMIT:
        raise UserError(
            f"Your note is {len(words)} characters; keep it under {NOTE_LIMIT} and send it again."
        )
    async with turn.ctx.db.unit() as session:
        reviewer, candidate = await _interviewer_of(session, turn, round_id, candidate_id)
        assert reviewer.id is not None
        first = await feedback.save_note(
            session,
            space_id=reviewer.space_id,
            round_id=round_id,
            candidate_id=candidate_id,
            reviewer_id=reviewer.id,
            note=words,
            at=turn.ctx.clock.now(),
        )
        given = await feedback.ratings(
            session, round_id=round_id, candidate_id=candidate_id, reviewer_id=reviewer.id
        )
        round_ = await store.get_round(session, round_id=round_id)
    number = (round_.number if round_ is not None else None) or round_id
    sent = feedback_message(turn.member.label, number, given, words)
    failure = await send_direct(turn.ctx, turn.port, member_ref(turn.member.space, candidate), sent)
    name = candidate.display_name or candidate.external_id
    if failure:
        await turn.whisper(
            f"Your note is saved, but {name} does not accept direct messages from prepbot. Ask them to "
            "allow them, then press **Write a note** again: the note is sent then."
        )
    else:
        verb = "sent to" if first else "replaced; the new one is sent to"
        await turn.whisper(f"Your note is {verb} {name} by direct message.")


FEATURE = Feature(
    "pairing",
    commands={"pair": pair_command},
    buttons=(button(RateInterview, rate), button(CheckInAnswer, met)),
    forms=(form(PairNote, NOTE_FORM, note),),
    ticks=(tick,),
)
