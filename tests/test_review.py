"""Spaced review on real SQLite and PostgreSQL: misses come back, SM-2 moves the cards."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from adapters.console.session import ConsoleSession
from bot import quiz
from bot.store.models import PointEvent, ReviewCard
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
    assert (state.repetitions, state.interval_days, state.lapses) == (1, 1, 1)
    assert state.due_at == now + dt.timedelta(days=1)
    assert "nothing is due" in (await session.push("alice: /prep review"))[0].text
    assert await count(session.bot.ctx.db, PointEvent) == 1  # the review point; the miss scored none


async def test_a_wrong_review_answer_lapses_the_card(session: ConsoleSession) -> None:
    await miss_one(session)
    await session.push("clock +15m")
    shown = question(await session.push("alice: /prep review"))
    feedback = await session.push(f"alice: press {button_number(session, shown, correct=False)}")
    assert feedback[0].text.startswith("❌ Incorrect")
    state = await card(session)
    assert (state.repetitions, state.lapses) == (0, 2) and state.ease < 2.5


async def test_cards_follow_sm2_over_several_days(session: ConsoleSession) -> None:
    await miss_one(session)
    await session.push("clock +15m")
    intervals = []
    for _ in range(3):
        shown = question(await session.push("alice: /prep review"))
        await session.push(f"alice: press {button_number(session, shown, correct=True)}")
        state = await card(session)
        intervals.append(state.interval_days)
        session.clock.set(state.due_at)
    expected, replay = [], quiz.ReviewState(lapses=1)
    for _ in range(3):
        replay = quiz.review(replay, True, session.clock.now())
        expected.append(replay.interval_days)
    assert intervals == expected == [1, 6, 15]


async def test_a_double_click_on_a_review_answer_counts_once(session: ConsoleSession) -> None:
    await miss_one(session)
    await session.push("clock +15m")
    shown = question(await session.push("alice: /prep review"))
    right = button_number(session, shown, correct=True)
    await session.push(f"alice: press {right} on {shown.ref.id}", delivery_id="r1")
    again = await session.push(f"alice: press {right} on {shown.ref.id}", delivery_id="r2")
    assert "already answered" in again[0].text
    assert (await card(session)).repetitions == 1


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
