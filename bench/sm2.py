"""The SM-2 review scheduler as prepbot ran it before FSRS, kept as the recall bench's baseline.

A verbatim copy of the rules that lived in ``bot/quiz.py`` (``ReviewState``,
``quality``, ``review``, ``missed``) and of the card update in
``bot/services/quiz.py``: only a miss makes a card; review answers move it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

FIRST_REVIEW_DELAY = dt.timedelta(minutes=10)
MIN_EASE = 1.3


@dataclass(frozen=True)
class ReviewState:
    """One card's SM-2 state; ``due_at`` is when to ask again."""

    ease: float = 2.5
    interval_days: int = 0
    repetitions: int = 0
    lapses: int = 0
    due_at: dt.datetime | None = None


def quality(correct: bool) -> int:
    """SM-2's 0–5 grade from a right/wrong answer: 4 ("correct after a pause") or 1 ("wrong")."""
    return 4 if correct else 1


def review(state: ReviewState, correct: bool, now: dt.datetime) -> ReviewState:
    """The card's next state after an answer (SuperMemo-2)."""
    q = quality(correct)
    ease = max(MIN_EASE, state.ease + 0.1 - (5 - q) * (0.08 + (5 - q) * 0.02))
    if not correct:
        return ReviewState(ease, 1, 0, state.lapses + 1, now + dt.timedelta(days=1))
    if state.repetitions == 0:
        interval = 1
    elif state.repetitions == 1:
        interval = 6
    else:
        interval = max(state.interval_days + 1, round(state.interval_days * state.ease))
    return ReviewState(ease, interval, state.repetitions + 1, state.lapses, now + dt.timedelta(days=interval))


def missed(state: ReviewState | None, now: dt.datetime) -> ReviewState:
    """A card after a miss outside review: new cards come back soon, known ones lapse."""
    if state is None:
        return ReviewState(lapses=1, due_at=now + FIRST_REVIEW_DELAY)
    return review(state, False, now)


def update_card(
    state: ReviewState | None, correct: bool, now: dt.datetime, *, review_mode: bool
) -> ReviewState | None:
    """``bot.services.quiz.update_card`` as it was: review answers move it, other misses lapse it."""
    if review_mode:
        return review(state or ReviewState(), correct, now)
    if not correct:
        return missed(state, now)
    return state
