"""The pure memory rules: FSRS pass/fail grading, aimed at the interview date (property tests)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from bot import memory

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
TARGET = memory.TARGET_RECALL

answers = st.lists(st.tuples(st.booleans(), st.floats(min_value=0.01, max_value=20)), min_size=1, max_size=12)


def replay(
    history: list[tuple[bool, float]], deadline: dt.datetime | None
) -> tuple[memory.Memory, dt.datetime]:
    """Answer at each step, the given days after the previous answer; returns the card and the time."""
    state, at = None, NOW
    for passed, gap in history:
        state = memory.grade(state, passed, at, target=TARGET, deadline=deadline)
        at += dt.timedelta(days=gap)
    assert state is not None
    return state, at - dt.timedelta(days=history[-1][1])


def test_a_miss_comes_back_after_the_ten_minute_step() -> None:
    first = memory.after_answer(None, False, NOW, review=False)
    assert first is not None and first.due_at == NOW + dt.timedelta(minutes=10) and first.lapses == 1
    assert memory.after_answer(None, True, NOW, review=False) is None  # a right answer makes no card
    again = memory.after_answer(first, True, NOW + dt.timedelta(minutes=10), review=True)
    assert again is not None and again.state == 2 and again.due_at is not None
    assert again.due_at >= NOW + dt.timedelta(days=1)


def test_grading_is_pass_fail() -> None:
    assert (memory.rating(True), memory.rating(False)) == (3, 1)


@given(answers)
def test_without_a_date_it_is_plain_fsrs(history: list[tuple[bool, float]]) -> None:
    card, at = None, NOW
    scheduler = memory.scheduler(TARGET)
    plain = memory._card(memory.Memory(due_at=NOW))
    for passed, gap in history:
        card = memory.grade(card, passed, at, target=TARGET)
        plain, _ = scheduler.review_card(plain, memory.Rating(memory.rating(passed)), at)
        assert card.due_at == plain.due and card.stability == plain.stability
        at += dt.timedelta(days=gap)


@given(answers, st.floats(min_value=0.5, max_value=90))
def test_an_interval_never_jumps_past_the_date(history: list[tuple[bool, float]], days: float) -> None:
    deadline = NOW + dt.timedelta(days=days)
    card, last = replay(history, deadline)
    if last < deadline:
        assert card.due_at is not None and card.due_at <= deadline


@given(answers, st.floats(min_value=0.5, max_value=90))
def test_an_item_below_target_gets_a_review_before_the_date(
    history: list[tuple[bool, float]], days: float
) -> None:
    deadline = NOW + dt.timedelta(days=days)
    card, last = replay(history, deadline)
    if last < deadline and memory.at_risk(card, deadline, TARGET):
        assert card.due_at is not None and card.due_at < deadline
    elif last < deadline:
        assert card.due_at == deadline or card.state != 2  # safe for the day: next seen on it


@given(answers, st.floats(min_value=8, max_value=60))
def test_the_last_week_lists_items_at_risk_first(history: list[tuple[bool, float]], days: float) -> None:
    deadline = NOW + dt.timedelta(days=days)
    card, last = replay(history, deadline)
    safe = memory.Memory(state=2, step=None, stability=400.0, difficulty=5.0, due_at=last, last_review=last)
    when = deadline - dt.timedelta(days=2)
    due = memory.due_today([("b", card), ("a", safe)], max(when, last), target=TARGET, deadline=deadline)
    flags = [d.at_risk for d in due]
    assert flags == sorted(flags, reverse=True)
    assert all(d.item_id != "a" or not d.at_risk for d in due)


def test_recall_forecast_falls_with_time() -> None:
    card = memory.grade(None, True, NOW)
    soon, later = (
        memory.recall(card, NOW + dt.timedelta(days=1)),
        memory.recall(card, NOW + dt.timedelta(days=30)),
    )
    assert 1.0 >= soon > later > 0
    assert memory.recall(None, NOW) == 0.0
    assert memory.mean_recall([], NOW) is None
