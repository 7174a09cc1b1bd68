"""A plan worth following, on both databases: one plan per member and day (the same when asked
again and at 09:00), the story with its situation and rubric, the day's reviews capped in order of
interview-day risk, and saved questions never suggested again."""

from __future__ import annotations

import datetime as dt

from adapters.console.session import ConsoleSession
from bot import memory
from bot.clock import ManualClock
from bot.content_schema import AskQuestion, MultipleChoice, Scenario
from bot.services.context import ServiceContext
from bot.store import quizzes
from bot.store.models import SavedQuestion
from bot.store.sql import insert_ignore
from bot.store.tenants import ensure_member
from tests.support.console import dms


def plan_parts(text: str) -> tuple[str, ...]:
    """The plan's choices: the weakest-topic quiz line, the story and the question to ask."""
    lines = text.splitlines()
    return tuple(
        next(line for line in lines if marker in line)
        for marker in ("/prep quiz", "Rehearse a story", "Prepare a question")
    )


async def test_the_plan_is_made_once_a_day_and_the_0900_message_repeats_it(
    session: ConsoleSession, clock: ManualClock
) -> None:
    clock.set(dt.datetime(2026, 3, 2, 8, 40, tzinfo=dt.UTC))
    [first] = await session.push("alice: /prep interview 2026-03-20 Netflix")
    [again] = await session.push("alice: /prep interview")
    assert again.text == first.text  # asking again the same day: the same plan, word for word
    await session.push("clock 2026-03-02 09:05")
    [morning] = [s for s in dms(session, "alice") if "to your Netflix interview" in s.text]
    assert plan_parts(morning.text) == plan_parts(first.text)
    # The next day brings a new plan (made once again).
    await session.push("clock 2026-03-03 09:05")
    [_, tomorrow] = [s for s in dms(session, "alice") if "to your Netflix interview" in s.text]
    assert "17 days to your Netflix interview" in tomorrow.text


async def test_the_story_comes_with_its_situation_rubric_and_the_command_to_practise_it(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    [plan] = await session.push("alice: /prep interview 2026-01-20")
    scenarios = [i for i in ctx.library.default.items(kinds=("scenario",)) if isinstance(i, Scenario)]
    [story] = [s for s in scenarios if f"“{s.title}”" in plan.text]
    assert story.situation in plan.text
    assert all(f"• {point}" in plan.text for point in story.rubric)
    assert "`/prep story`" in plan.text
    [shown] = await session.push("alice: /prep story")
    assert shown.is_private and story.title in shown.text and story.situation in shown.text
    assert all(q in shown.text for q in story.follow_ups)
    assert "takes nothing" in (await session.push("alice: /prep story tomorrow"))[0].text


async def test_reviews_are_capped_riskiest_for_the_interview_first(
    session: ConsoleSession, ctx: ServiceContext, clock: ManualClock
) -> None:
    pack = ctx.library.default
    items = [i for i in pack.quiz_items() if isinstance(i, MultipleChoice)][:13]
    now = clock.now()
    interview = dt.datetime(2026, 1, 15, tzinfo=dt.UTC)
    async with ctx.db.unit() as s:
        member = await ensure_member(s, ref=session.member("alice"))
        assert member.id is not None
        # Thirteen cards due now, with stabilities from 1 to 13 days: the least stable is the
        # one most likely forgotten by the interview.
        for n, item in enumerate(items, start=1):
            card = memory.Memory(
                state=2, step=None, stability=float(n), difficulty=5.0, due_at=now, last_review=now
            )
            await quizzes.save_card(
                s, space_id=member.space_id, member_id=member.id, item_id=item.id, memory=card, at=now
            )
    [plan] = await session.push("alice: /prep interview 2026-01-15")
    assert "Review 10 item(s) (the 10 riskiest of 13 due; the rest wait)" in plan.text
    [section] = [s for s in plan.message.sections if s.title and s.title.startswith("Today's reviews")]
    shown = section.text.splitlines()
    # Lowest predicted recall on the day first: stability 1, 2, 3… (the five shown, then the count).
    for line, item in zip(shown[:5], items[:5], strict=True):
        assert line.startswith(f"• {item.question[:40]}") and "predicted recall on 2026-01-15" in line
    recalls = [int(line.rsplit(" ", 1)[1].rstrip("%")) for line in shown[:5]]
    assert recalls == sorted(recalls)
    assert shown[-1] == "… and 5 more"
    # /prep review asks them in the same order: the riskiest first.
    [question] = await session.push("alice: /prep review")
    assert items[0].question in question.text and "12 more due after this" in question.text
    first = memory.recall(memory.Memory(state=2, stability=1.0, last_review=now), interview)
    assert f"{first:.0%}" in shown[0]


async def test_saved_questions_are_not_suggested_again(session: ConsoleSession, ctx: ServiceContext) -> None:
    asks = [i for i in ctx.library.default.items(kinds=("ask",)) if isinstance(i, AskQuestion)]
    async with ctx.db.unit() as s:
        member = await ensure_member(s, ref=session.member("alice"))
        for ask in asks[1:]:
            await insert_ignore(
                s, SavedQuestion, space_id=member.space_id, member_id=member.id, item_id=ask.id
            )
    [plan] = await session.push("alice: /prep interview 2026-01-20")
    assert f"Prepare a question to ask: “{asks[0].question}”" in plan.text
    # Once that one is saved too, the plan says to read over the saved ones instead.
    async with ctx.db.unit() as s:
        member = await ensure_member(s, ref=session.member("bob"))
        for ask in asks:
            await insert_ignore(
                s, SavedQuestion, space_id=member.space_id, member_id=member.id, item_id=ask.id
            )
    [bobs] = await session.push("bob: /prep interview 2026-01-20")
    assert "Prepare a question" not in bobs.text and "questions you saved" in bobs.text
