"""Pure memory rules: FSRS scheduling aimed at the member's interview date, and recall forecasts.

The maintained ``fsrs`` package (py-fsrs 6) models each card by its stability
(days until predicted recall falls to 90 %) and difficulty; answers are graded
pass/fail (``Good``/``Again``), as quiz and challenge answers are right or wrong.
FSRS works in UTC; members' local days stay in the services, which hand these
rules a UTC ``deadline`` (the start of the interview day in the member's zone).

Aimed at a date: without one, this is plain FSRS at the target retention. With
one, what counts is the predicted recall *on that day*:

- an item already at or above the target on the day needs nothing more before it:
  its next review is the day itself (an interval never jumps past the date);
- an item that would be below the target on the day is brought back before it.
  Far from the date its reviews are spaced at :data:`FLOOR_RETENTION` (fewer,
  longer intervals, which FSRS credits with larger stability gains); in the last
  week (:data:`LAST_WEEK`) it comes back at the target, no earlier than
  :data:`FINAL_STRETCH` before the day unless the floor falls sooner, so its last
  review lands close to the day. :func:`due_today` lists items at risk first then.

The floor and the stretch were chosen with ``bench/recall.py`` (simulated members
whose memory follows a different model than FSRS's).

Nothing here does I/O or awaits, and fuzzing is off, so every rule is a function
of its arguments and can be property-tested.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from fsrs import Card, Rating, Scheduler, State

TARGET_RECALL = 0.90  # the default of the PREPBOT_TARGET_RECALL setting
FLOOR_RETENTION = 0.55  # far from the date, reviews are spaced at this predicted recall (bench/recall.py)
FIRST_STEP = dt.timedelta(minutes=10)  # a missed item comes back this soon (learning step)
LAST_WEEK = dt.timedelta(days=7)
FINAL_STRETCH = dt.timedelta(days=3)  # at-risk items come back no earlier than this before the day
AGAIN, GOOD = int(Rating.Again), int(Rating.Good)


@dataclass(frozen=True)
class Memory:
    """One card's FSRS state; ``due_at`` is when to ask again (UTC)."""

    state: int = int(State.Learning)
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due_at: dt.datetime | None = None
    last_review: dt.datetime | None = None
    lapses: int = 0
    reps: int = 0


@lru_cache(maxsize=16)
def scheduler(retention: float = TARGET_RECALL) -> Scheduler:
    """FSRS with default parameters, one 10-minute (re)learning step, no fuzzing (pure)."""
    return Scheduler(
        desired_retention=retention,
        learning_steps=(FIRST_STEP,),
        relearning_steps=(FIRST_STEP,),
        enable_fuzzing=False,
    )


def _utc(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC)


def _card(memory: Memory) -> Card:
    # card_id is fixed: FSRS only uses it to match review logs, and a None id sleeps 1 ms.
    return Card(
        card_id=1,
        state=State(memory.state),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=_utc(memory.due_at) if memory.due_at else None,
        last_review=_utc(memory.last_review) if memory.last_review else None,
    )


def rating(passed: bool) -> int:
    """Pass/fail grading: a right answer is ``Good``, a wrong one ``Again``."""
    return GOOD if passed else AGAIN


def recall(memory: Memory | None, at: dt.datetime) -> float:
    """FSRS's predicted recall of the item at ``at`` (0 for an item never reviewed)."""
    if memory is None or memory.stability is None or memory.last_review is None:
        return 0.0
    days = max(0.0, (_utc(at) - _utc(memory.last_review)).total_seconds() / 86400)
    decay = -scheduler().parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return float((1 + factor * days / memory.stability) ** decay)


def days_until(stability: float, retention: float) -> float:
    """Days after a review until predicted recall falls to ``retention`` (FSRS's forgetting curve)."""
    decay = -scheduler().parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return stability / factor * (retention ** (1 / decay) - 1)


def grade(
    memory: Memory | None,
    passed: bool,
    now: dt.datetime,
    *,
    target: float = TARGET_RECALL,
    deadline: dt.datetime | None = None,
) -> Memory:
    """The card's next state after a right or wrong answer at ``now``.

    Without a ``deadline`` this is FSRS at ``target``. With one, the due time
    never passes the deadline, and an item predicted below ``target`` on the day
    is due before it (see the module docstring).
    """
    now = _utc(now)
    if deadline is not None and _utc(deadline) <= now:
        deadline = None  # the interview day has come: back to plain FSRS
    before = memory or Memory(due_at=now)
    card, _ = scheduler(target).review_card(_card(before), Rating(rating(passed)), now)
    lapsed = not passed and before.state == int(State.Review)
    after = Memory(
        state=int(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due_at=card.due,
        last_review=card.last_review,
        lapses=before.lapses + (1 if lapsed or (memory is None and not passed) else 0),
        reps=before.reps + 1,
    )
    if deadline is None or card.state != State.Review:
        # Learning steps are minutes long: they stand as FSRS set them.
        return after if deadline is None else replace(after, due_at=min(card.due, _utc(deadline)))
    return replace(after, due_at=aimed_due(after, now, target=target, deadline=_utc(deadline)))


def aimed_due(memory: Memory, now: dt.datetime, *, target: float, deadline: dt.datetime) -> dt.datetime:
    """When to review an item so that its predicted recall on ``deadline`` reaches ``target``."""
    assert memory.stability is not None
    if recall(memory, deadline) >= target:
        return deadline  # safe for the day: nothing more before it
    at_target = now + dt.timedelta(days=max(1, math.floor(days_until(memory.stability, target))))
    at_floor = now + dt.timedelta(days=max(1, math.floor(days_until(memory.stability, FLOOR_RETENTION))))
    return min(at_floor, max(at_target, deadline - FINAL_STRETCH), deadline)


def at_risk(memory: Memory, deadline: dt.datetime, target: float = TARGET_RECALL) -> bool:
    """True when the item's predicted recall on ``deadline`` is below ``target``."""
    return recall(memory, deadline) < target


def in_last_week(now: dt.datetime, deadline: dt.datetime | None) -> bool:
    return deadline is not None and _utc(now) >= _utc(deadline) - LAST_WEEK


@dataclass(frozen=True)
class Due:
    """A card to review today, and why: ``at_risk`` names items brought back for the interview."""

    item_id: str
    memory: Memory
    at_risk: bool


def due_today(
    cards: Iterable[tuple[str, Memory]],
    now: dt.datetime,
    *,
    target: float = TARGET_RECALL,
    deadline: dt.datetime | None = None,
) -> list[Due]:
    """The cards due by ``now``, in review order.

    In the last week before the interview, items at risk for the day come first,
    lowest predicted recall on the day first; otherwise the most overdue first.
    """
    now = _utc(now)
    due = [(i, m) for i, m in cards if m.due_at is not None and _utc(m.due_at) <= now]
    if in_last_week(now, deadline):
        assert deadline is not None
        found = [Due(i, m, at_risk(m, deadline, target)) for i, m in due]
        return sorted(found, key=lambda d: (not d.at_risk, recall(d.memory, deadline), d.item_id))
    due.sort(key=lambda pair: (pair[1].due_at, pair[0]))
    return [Due(i, m, False) for i, m in due]


def day_reviews(
    cards: Iterable[tuple[str, Memory]],
    now: dt.datetime,
    *,
    cap: int,
    target: float = TARGET_RECALL,
    deadline: dt.datetime | None = None,
) -> tuple[list[Due], int]:
    """The day's reviews, at most ``cap``, and how many were due in all.

    With an interview date they are ordered by interview-day risk: the lowest
    predicted recall *on the day* first (the cards most likely to be forgotten by
    then), so a capped day drops the safest cards. Without one, :func:`due_today`'s order.
    """
    due = due_today(cards, now, target=target, deadline=deadline)
    if deadline is not None:
        due = [replace(d, at_risk=at_risk(d.memory, deadline, target)) for d in due]
        due.sort(key=lambda d: (recall(d.memory, deadline), d.item_id))
    return due[: max(0, cap)], len(due)


def mean_recall(memories: Sequence[Memory], at: dt.datetime) -> float | None:
    """Mean predicted recall of ``memories`` at ``at``; None without any."""
    if not memories:
        return None
    return sum(recall(m, at) for m in memories) / len(memories)


def after_answer(
    memory: Memory | None,
    passed: bool,
    now: dt.datetime,
    *,
    review: bool,
    target: float = TARGET_RECALL,
    deadline: dt.datetime | None = None,
) -> Memory | None:
    """What one answer does to the member's card: None when it makes no card.

    Every answer to an item that has a card moves it (review, practice and
    challenge alike: a right answer anywhere is evidence of recall). An item
    without a card gets one when it is missed, as before.
    """
    if memory is None and passed and not review:
        return None
    return grade(memory, passed, now, target=target, deadline=deadline)
