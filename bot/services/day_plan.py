"""A member's plan for one local day: chosen once, stored, and read back on every later ask.

The day's reviews come first (at most ``PREPBOT_DAILY_REVIEWS``, those most likely
to be forgotten by the interview day first, each with its predicted recall on the
day), then the weakest topic to quiz, a story from that topic when it has one, and
a question to ask that the member has not saved yet. The choice is stored per
member and day (``bot.store.plans``), so ``/prep interview``, ``/prep story`` and the
09:00 message all show the same plan; what it says is :mod:`bot.services.plan`'s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot import memory, quiz
from bot.content_schema import AskQuestion, MultipleChoice, Scenario
from bot.services.context import ServiceContext
from bot.services.forecast import member_deadline
from bot.store import exports, plans, quizzes
from bot.store.models import Member, MemberPlan


@dataclass(frozen=True)
class DayPlan:
    """A member's plan for one local day, as stored (so asking again shows the same plan).

    ``reviews`` are the day's capped reviews, riskiest for the interview first:
    (question, predicted recall on the interview day, or None without a date).
    """

    weakest: str
    tally: quiz.Tally
    story: Scenario | None
    ask: AskQuestion | None
    reviews: tuple[tuple[str, float | None], ...]
    due: int
    at_risk: int = 0


async def todays_plan(ctx: ServiceContext, member: Member, today: dt.date) -> DayPlan:
    """The member's plan for ``today``: made once (stored) and read back on every later ask."""
    assert member.id is not None
    pack = ctx.library.default
    async with ctx.db.unit() as session:
        tallies = await quizzes.topic_tallies(session, member_id=member.id)
        cards = [
            (i, m)
            for i, m in await quizzes.member_cards(session, member_id=member.id)
            if isinstance(pack.get(i), MultipleChoice)  # items gone from the pack stay out
        ]
        deadline = await member_deadline(session, member)
        stored = await plans.plan_for(session, member_id=member.id, day=today)
        if stored is None:
            saved = set(await exports.saved_questions(session, member_id=member.id))
            stored = await _make_plan(ctx, session, member, today, tallies, cards, deadline, saved)
    memories = dict(cards)
    reviews = []
    for item_id in plans.review_ids(stored):
        item = pack.get(item_id)
        if isinstance(item, MultipleChoice):
            day_recall = memory.recall(memories.get(item_id), deadline) if deadline is not None else None
            reviews.append((item.question, day_recall))
    target = ctx.settings.target_recall
    story, ask = pack.get(stored.story_id), pack.get(stored.ask_id)
    return DayPlan(
        weakest=stored.weakest,
        tally=tallies.get(stored.weakest, quiz.Tally()),
        story=story if isinstance(story, Scenario) else None,
        ask=ask if isinstance(ask, AskQuestion) else None,
        reviews=tuple(reviews),
        due=stored.due,
        at_risk=sum(1 for _, p in reviews if p is not None and p < target),
    )


async def _make_plan(
    ctx: ServiceContext,
    session: AsyncSession,
    member: Member,
    today: dt.date,
    tallies: dict[str, quiz.Tally],
    cards: list[tuple[str, memory.Memory]],
    deadline: dt.datetime | None,
    saved: set[str],
) -> MemberPlan:
    """Choose the day's plan and store it (in the caller's transaction); a racing ask keeps the first."""
    assert member.id is not None
    pack, now = ctx.library.default, ctx.clock.now()
    reviews, due = memory.day_reviews(
        cards, now, cap=ctx.settings.daily_reviews, target=ctx.settings.target_recall, deadline=deadline
    )
    topics = [t.id for t in pack.topics if pack.quiz_items(topic=t.id)]
    weakest = quiz.weakest_topic(topics, tallies, ctx.rng)
    scenarios = [i for i in pack.items(kinds=("scenario",)) if isinstance(i, Scenario)]
    # A story from the weakest topic when it has one: the plan's steps then pull the same way.
    leaning = [s for s in scenarios if pack.topic_of(s.id) == weakest] or scenarios
    asks = [i for i in pack.items(kinds=("ask",)) if isinstance(i, AskQuestion) and i.id not in saved]
    return await plans.keep_plan(
        session,
        space_id=member.space_id,
        member_id=member.id,
        day=today,
        weakest=weakest,
        story_id=ctx.rng.choice(leaning).id if leaning else "",
        ask_id=ctx.rng.choice(asks).id if asks else "",
        reviews=[d.item_id for d in reviews],
        due=due,
        at=now,
    )
