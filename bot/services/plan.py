"""Interview date and daily plan: ``/prep interview YYYY-MM-DD [company]``.

The plan leans on what the member needs most: due review items first (in the
last week, naming those at risk for the interview with their predicted recall on
the day), then a quiz in their weakest topic, a story to rehearse and a question to prepare.
Each morning (09:00 in the member's zone, else the channel's) the plan arrives
as a direct message, once per member and local date: the date is claimed (a
daily claim) before the message is sent. A member whose DMs are closed misses
that morning's plan (counted in ``prepbot_undeliverable_total``); the others
still get theirs. Nobody else is told: an interview date is the member's own business.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from bot import memory, quiz
from bot.content import Pack
from bot.content_schema import AskQuestion, MultipleChoice, Scenario
from bot.feature import Feature
from bot.render import OutboundMessage, Section, clip
from bot.schedule import Schedule, due, known, local_date
from bot.services.context import ServiceContext, UserError
from bot.services.delivery import send_direct
from bot.services.forecast import member_deadline
from bot.store import members, quizzes
from bot.store.claims import claim_daily
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


@dataclass(frozen=True)
class Needs:
    """What the member's history says they need; ``at_risk`` are due items their interview needs back."""

    due_reviews: int
    weakest: str
    weakest_tally: quiz.Tally
    at_risk: tuple[tuple[str, float], ...] = ()  # (question, predicted recall on the day)

    @property
    def brought_back(self) -> str:
        return f"{len(self.at_risk)} of them at risk for your interview" if self.at_risk else ""


def plan_message(
    pack: Pack, needs: Needs, days_left: int, when: dt.date, company: str, rng: random.Random
) -> OutboundMessage:
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
    if needs.due_reviews:
        why = f" ({needs.brought_back})" if needs.at_risk else ""
        steps.append(f"Review the {needs.due_reviews} item(s) due{why}: `/prep review`.")
    accuracy = (
        f"{needs.weakest_tally.accuracy:.0%} over {needs.weakest_tally.attempts} answers"
        if needs.weakest_tally.attempts
        else "not practised yet"
    )
    steps.append(
        f"Answer {questions} questions in your weakest topic: `/prep quiz {needs.weakest}` ({accuracy})."
    )
    scenarios = [i for i in pack.items(kinds=("scenario",)) if isinstance(i, Scenario)]
    if scenarios:
        story = rng.choice(scenarios)
        steps.append(f"Rehearse a story aloud in two minutes, situation to result: “{story.title}”.")
    asks = [i for i in pack.items(kinds=("ask",)) if isinstance(i, AskQuestion)]
    if asks:
        steps.append(
            f"Prepare a question to ask: “{rng.choice(asks).question}” (save more with `/prep ask`)."
        )
    day_word = "day" if days_left == 1 else "days"
    sections = [Section("\n".join(f"{n}. {step}" for n, step in enumerate(steps, start=1)))]
    if needs.at_risk:
        shown = needs.at_risk[:AT_RISK_SHOWN]
        lines = [f"• {clip(q, 90)}: predicted recall on {when.isoformat()} {p:.0%}" for q, p in shown]
        if len(needs.at_risk) > len(shown):
            lines.append(f"… and {len(needs.at_risk) - len(shown)} more")
        sections.append(Section("\n".join(lines), title="Brought back: at risk for your interview"))
    return OutboundMessage(
        text=f"{days_left} {day_word} to your {company} interview ({when.isoformat()}). Today's plan:",
        sections=tuple(sections),
    )


async def _needs(ctx: ServiceContext, member: Member) -> Needs:
    """Due reviews (the items at risk for the interview named), and the weakest topic."""
    assert member.id is not None
    pack = ctx.library.default
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        tallies = await quizzes.topic_tallies(session, member_id=member.id)
        cards = await quizzes.member_cards(session, member_id=member.id)
        deadline = await member_deadline(session, member)
    # The same selection `/prep review` makes, so the plan names what review will ask.
    target = ctx.settings.target_recall
    due = [
        d
        for d in memory.due_today(cards, now, target=target, deadline=deadline)
        if isinstance(pack.get(d.item_id), MultipleChoice)
    ]
    at_risk = tuple(
        (cast(MultipleChoice, pack.get(d.item_id)).question, memory.recall(d.memory, deadline))
        for d in due
        if d.at_risk and deadline is not None
    )
    topics = [t.id for t in pack.topics if pack.quiz_items(topic=t.id)]
    weakest = quiz.weakest_topic(topics, tallies, ctx.rng)
    return Needs(len(due), weakest, tallies.get(weakest, quiz.Tally()), at_risk)


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
    needs = await _needs(turn.ctx, member)
    days_left = (member.interview_date - today).days
    message = plan_message(
        pack,
        needs,
        days_left,
        member.interview_date,
        member.interview_company or pack.meta.company,
        turn.ctx.rng,
    )
    await turn.whisper(message)


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
    async with ctx.db.unit() as session:
        first = await claim_daily(
            session, space_id=space.id or 0, kind=DailyKind.PLAN, key=f"{member.id}:{today}", at=now
        )
    if not first:
        return
    needs = await _needs(ctx, member)
    days_left = (member.interview_date - today).days
    company = member.interview_company or ctx.library.default.meta.company
    message = plan_message(ctx.library.default, needs, days_left, member.interview_date, company, ctx.rng)
    await send_direct(ctx, port, member_ref(member, space), message)


FEATURE = Feature("plan", commands={"interview": interview_command}, ticks=(tick,))
