"""Interview date and daily plan: ``/prep interview YYYY-MM-DD [company]``.

The plan leans on what the member needs most: the day's reviews first (at most
``PREPBOT_DAILY_REVIEWS``, those most likely to be forgotten by the interview day
first, with their predicted recall on the day), then a quiz in their weakest
topic, a story to rehearse (its situation and rubric; ``/prep story`` adds the
follow-ups) and a question to prepare that the member has not saved yet.
A plan is made once per member and local day and stored: asking again that day,
or the 09:00 message after an 08:40 ``/prep interview``, shows the same plan
(``bot.services.day_plan``).
Each morning (09:00 in the member's zone, else the channel's) the plan arrives
as a direct message, once per member and local date (``bot.services.sent_once``:
an outage is retried on a later tick that morning). A member whose DMs are closed
misses that morning's plan (recorded once, not retried; counted in
``prepbot_undeliverable_total``); the others still get theirs. Nobody else is told.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from bot import quiz
from bot.content_schema import Scenario
from bot.feature import Feature
from bot.render import OutboundMessage, Section, clip
from bot.schedule import Schedule, due, known, local_date
from bot.services.context import ServiceContext, UserError
from bot.services.day_plan import DayPlan, todays_plan
from bot.services.sent_once import send_once
from bot.store import members
from bot.store.enums import DailyKind
from bot.store.models import Channel, Member, Space
from bot.store.refs import member_ref
from bot.store.tenants import ensure_channel, ensure_member

if TYPE_CHECKING:
    from bot.ports import ChatPort
    from bot.turn import Turn

log = logging.getLogger(__name__)

PLAN_TIME = dt.time(9, 0)
AT_RISK_SHOWN = 5


def plan_message(plan: DayPlan, days_left: int, when: dt.date, company: str) -> OutboundMessage:
    """Today's plan, scaled to the days left."""
    if days_left == 0:
        return OutboundMessage(
            text=f"Your {company} interview is today. Good luck!",
            sections=(
                Section("Skim your prep document (`/prep export`): your best stories and your questions."),
            ),
        )
    questions = quiz.plan_questions(days_left)
    steps = []
    if plan.reviews:
        why = f", {plan.at_risk} of them at risk for your interview" if plan.at_risk else ""
        capped = (
            f" (the {len(plan.reviews)} riskiest of {plan.due} due; the rest wait)"
            if plan.due > len(plan.reviews)
            else ""
        )
        steps.append(f"Review {len(plan.reviews)} item(s){capped}{why}: `/prep review`.")
    accuracy = (
        f"{plan.tally.accuracy:.0%} over {plan.tally.attempts} answers"
        if plan.tally.attempts
        else "not practised yet"
    )
    steps.append(
        f"Answer {questions} questions in your weakest topic: `/prep quiz {plan.weakest}` ({accuracy})."
    )
    if plan.story is not None:
        steps.append(
            f"Rehearse a story aloud in two minutes, situation to result: “{plan.story.title}” "
            "(below). Practise it with `/prep story`: the follow-ups an interviewer would ask."
        )
    if plan.ask is not None:
        steps.append(f"Prepare a question to ask: “{plan.ask.question}” (save it with `/prep ask`).")
    else:
        steps.append("Read over the questions you saved to ask (`/prep export`).")
    day_word = "day" if days_left == 1 else "days"
    sections = [Section("\n".join(f"{n}. {step}" for n, step in enumerate(steps, start=1)))]
    if plan.story is not None:
        sections.append(story_section(plan.story))
    if plan.reviews:
        shown = plan.reviews[:AT_RISK_SHOWN]
        lines = [
            f"• {clip(q, 90)}"
            + (f": predicted recall on {when.isoformat()} {p:.0%}" if p is not None else "")
            for q, p in shown
        ]
        if len(plan.reviews) > len(shown):
            lines.append(f"… and {len(plan.reviews) - len(shown)} more")
        sections.append(Section("\n".join(lines), title="Today's reviews, riskiest for your interview first"))
    return OutboundMessage(
        text=f"{days_left} {day_word} to your {company} interview ({when.isoformat()}). Today's plan:",
        sections=tuple(sections),
    )


def story_section(story: Scenario) -> Section:
    """The story to rehearse: its situation and the rubric points a strong answer covers."""
    points = "\n".join(f"• {point}" for point in story.rubric)
    return Section(f"{story.situation}\n*A strong answer covers:*\n{points}", title=f"Story: {story.title}")


async def interview_command(turn: Turn, args: tuple[str, ...]) -> None:
    """Set (``YYYY-MM-DD [company]``), clear (``off``) or show the member's interview plan."""
    pack = turn.ctx.library.default
    async with turn.ctx.db.unit() as session:
        member = await ensure_member(session, ref=turn.member)
        channel = await ensure_channel(session, ref=turn.channel)
        today = local_date(turn.ctx.clock.now(), member.timezone, channel.timezone)
        if args and args[0].lower() == "off":
            await members.clear_interview(session, member=member)
        elif args:
            await members.set_interview(
                session,
                member=member,
                day=_parse_date(args[0], today),
                company=" ".join(args[1:])[:80] or pack.meta.company,
                channel_id=channel.id,
            )
        elif member.interview_date is None:
            raise UserError("Set your interview date first: `/prep interview 2026-12-10 Netflix`.")
    if member.interview_date is None:
        await turn.whisper("Interview date cleared; daily plans stop.")
        return
    plan = await todays_plan(turn.ctx, member, today)
    days_left = (member.interview_date - today).days
    company = member.interview_company or pack.meta.company
    await turn.whisper(plan_message(plan, days_left, member.interview_date, company))


async def story_command(turn: Turn, args: tuple[str, ...]) -> None:
    """``/prep story``: today's story to rehearse, with the follow-ups an interviewer would ask."""
    if args:
        raise UserError("`/prep story` takes nothing after `story`: it shows today's story to rehearse.")
    async with turn.ctx.db.unit() as session:
        member = await ensure_member(session, ref=turn.member)
        channel = await ensure_channel(session, ref=turn.channel)
        today = local_date(turn.ctx.clock.now(), member.timezone, channel.timezone)
    plan = await todays_plan(turn.ctx, member, today)
    if plan.story is None:
        raise UserError("This pack has no culture scenarios to rehearse yet.")
    story = plan.story
    await turn.whisper(
        OutboundMessage(
            text=f"Today's story to rehearse: “{story.title}”. Set a two-minute timer and tell it aloud: "
            "the situation, what you did, and the result.",
            sections=(
                story_section(story),
                Section(
                    "\n".join(f"• {q}" for q in story.follow_ups), title="Follow-ups an interviewer may ask"
                ),
            ),
            footer="The same story all day; tomorrow's plan brings another.",
        )
    )


def _parse_date(text: str, today: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"`{text}` is not a date: write it as YYYY-MM-DD, like 2026-12-10.") from None
    if day < today:
        raise UserError(f"{day.isoformat()} has passed; give the date of an interview still to come.")
    return day


async def tick(ctx: ServiceContext, port: ChatPort) -> None:
    """Send today's plan to each member with an interview ahead, once, after 09:00 their time."""
    now = ctx.clock.now()
    grace = dt.timedelta(hours=max(ctx.settings.catch_up_hours, 1.0))
    async with ctx.db.unit() as session:
        rows = await members.with_interviews(session)
    for member, channel, space in rows:
        try:
            await _send_plan(ctx, port, now, grace, member, channel, space)
        except Exception:
            log.exception("the plan of member %s failed", member.id)


async def _send_plan(
    ctx: ServiceContext,
    port: ChatPort,
    now: dt.datetime,
    grace: dt.timedelta,
    member: Member,
    channel: Channel,
    space: Space,
) -> None:
    assert member.interview_date is not None
    # 09:00 in the member's zone, else the channel's: the same "at local time" as every schedule.
    morning = due(Schedule(PLAN_TIME, known(member.timezone, channel.timezone)), now, window=grace)
    if morning is None or morning.local_date > member.interview_date:
        return
    today = morning.local_date
    interview = member.interview_date

    async def send() -> None:
        plan = await todays_plan(ctx, member, today)
        company = member.interview_company or ctx.library.default.meta.company
        message = plan_message(plan, (interview - today).days, interview, company)
        # The key lets a retry after an answer lost on the wire find the first copy (Discord's nonce).
        await port.direct(member_ref(member, space), replace(message, key=f"plan-{member.id}-{today}"))

    # Claimed with its send: retried after an outage, never sent twice by two processes.
    await send_once(ctx, space_id=space.id or 0, kind=DailyKind.PLAN, key=f"{member.id}:{today}", work=send)


FEATURE = Feature("plan", commands={"interview": interview_command, "story": story_command}, ticks=(tick,))
