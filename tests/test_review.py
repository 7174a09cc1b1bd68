"""Spaced review on real SQLite and PostgreSQL: misses come back, FSRS moves the cards and logs them."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from adapters.console.session import ConsoleSession
from bot import memory
from bot.store.models import PointEvent, ReviewCard, ReviewLog
from tests.support.quizplay import button_number, count, item_of, question


async def card(session: ConsoleSession) -> ReviewCard:
    async with session.bot.ctx.db.unit() as s:
        cards = list((await s.execute(select(ReviewCard))).scalars().all())
    assert len(cards) == 1
    return cards[0]


async def miss_one(session: ConsoleSession, who: str = "alice") -> str:
    shown = question(await session.push(f"{who}: /prep quiz culture-values"))
    await session.push(f"{who}: press {button_number(session, shown, correct=False)}")
    return item_of(session, shown).id


async def test_without_misses_review_explains_how_cards_arrive(session: ConsoleSession) -> None:
    sent = await session.push("alice: /prep review")
    assert sent[0].visible_to == "alice" and "no missed questions" in sent[0].text


async def test_a_missed_item_comes_back_after_a_short_step(session: ConsoleSession) -> None:
    item_id = await miss_one(session)
    early = await session.push("alice: /prep review")
    assert "nothing is due" in early[0].text and "minute" in early[0].text
    await session.push("clock +15m")
    shown = question(await session.push("alice: /prep review"))
    assert shown.visible_to == "alice" and item_of(session, shown).id == item_id
    assert "Spaced review" in shown.text


async def test_a_right_review_answer_schedules_the_card_a_day_later(session: ConsoleSession) -> None:
    await miss_one(session)
    await session.push("clock +15m")
    shown = question(await session.push("alice: /prep review"))
    feedback = await session.push(f"alice: press {button_number(session, shown, correct=True)}")
    assert feedback[0].text.startswith("✅ Correct")
    state = await card(session)
    now = session.clock.now()
    assert (state.reps, state.lapses, state.state) == (2, 1, 2)  # FSRS: graduated to review
    assert state.due_at == now + dt.timedelta(days=1)  # a fresh miss is weak: back tomorrow
    assert "nothing is due" in (await session.push("alice: /prep review"))[0].text
    assert await count(session.bot.ctx.db, PointEvent) == 1  # the review point; the miss scored none


async def test_a_wrong_review_answer_lapses_the_card(session: ConsoleSession) -> None:
    await miss_one(session)
    await session.push("clock +15m")
    shown = question(await session.push("alice: /prep review"))
    feedback = await session.push(f"alice: press {button_number(session, shown, correct=False)}")
    assert feedback[0].text.startswith("❌ Incorrect")
    state = await card(session)
    assert (state.reps, state.lapses, state.state) == (2, 1, 1)  # still learning: the step again
    assert state.due_at == session.clock.now() + dt.timedelta(minutes=10)
    async with session.bot.ctx.db.unit() as s:
        logs = list((await s.execute(select(ReviewLog).order_by(ReviewLog.id))).scalars().all())
    assert [(g.mode, g.rating) for g in logs] == [("practice", 1), ("review", 1)]


async def test_cards_follow_fsrs_over_several_days(session: ConsoleSession) -> None:
    await miss_one(session)
    await session.push("clock +15m")
    intervals, replay = [], None
    replay = memory.grade(None, False, session.clock.now() - dt.timedelta(minutes=15))
    for _ in range(3):
        shown = question(await session.push("alice: /prep review"))
        await session.push(f"alice: press {button_number(session, shown, correct=True)}")
        state = await card(session)
        replay = memory.grade(replay, True, session.clock.now())
        assert state.due_at == replay.due_at and state.stability == replay.stability
        intervals.append((state.due_at - session.clock.now()).days)
        session.clock.set(state.due_at)
    assert intervals == sorted(intervals) and intervals[-1] > intervals[0]


async def test_a_double_click_on_a_review_answer_counts_once(session: ConsoleSession) -> None:
    await miss_one(session)
    await session.push("clock +15m")
    shown = question(await session.push("alice: /prep review"))
    right = button_number(session, shown, correct=True)
    await session.push(f"alice: press {right} on {shown.ref.id}", delivery_id="r1")
    again = await session.push(f"alice: press {right} on {shown.ref.id}", delivery_id="r2")
    assert "already answered" in again[0].text
    assert (await card(session)).reps == 2


async def test_review_queues_are_per_member(session: ConsoleSession) -> None:
    await miss_one(session, "alice")
    await session.push("clock +15m")
    assert "no missed questions" in (await session.push("bob: /prep review"))[0].text
    assert question(await session.push("alice: /prep review")).visible_to == "alice"


async def test_next_after_a_review_shows_the_next_due_card(session: ConsoleSession) -> None:
    first = await miss_one(session)
    second = await miss_one(session)
    await session.push("clock +15m")
    shown = question(await session.push("alice: /prep review"))
    assert "1 more due" in shown.text
    await session.push(f"alice: press {button_number(session, shown, correct=True)}")
    following = question(await session.push("alice: press Next"))
    assert {item_of(session, shown).id, item_of(session, following).id} == {first, second}
