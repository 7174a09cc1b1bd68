"""Interview-day recall: FSRS aimed at the date against the SM-2 scheduler prepbot had before.

Simulated members study the shipped pack for the 60 days before an interview.
On each day they do not skip (each member skips a share of days drawn from
U(0.1, 0.4)), they do what the morning plan and ``/prep review`` give them:
every review due (ordered by :func:`bot.memory.due_today`, or by due time for
SM-2), the plan's questions in their weakest topic (:func:`bot.quiz.plan_questions`,
:func:`bot.quiz.weakest_topic`, :func:`bot.quiz.pick_item`, as ``/prep quiz`` picks
them), then the reviews that came back after the 10-minute step. Each answer
moves the card through the product's own rule (:func:`bot.memory.after_answer`
for prepbot, the SM-2 copy in :mod:`bench.sm2` for the baseline). Both arms use
the same members, the same skipped days and the same seed.

Their true memory is NOT FSRS's model: it is half-life regression (Settles and
Meeder, "A Trainable Spaced Repetition Model for Language Learning", ACL 2016),
``p = 2^(-Δ/h)`` with ``h = 2^(θ·x)`` days and features ``x`` = bias,
``√(1+right)``, ``√(1+wrong)``, minus the item's difficulty plus the member's
ability. Weights: bias -1.0, right +2.2, wrong -0.3 (the signs of the published
fit; the magnitudes are ours, not the paper's, chosen so a half-life grows from
about 1.7 days after a first miss to about 64 days after ten right answers, in
line with the high recall rates of that paper's data); item difficulty ~ N(0, 0.7),
member ability ~ N(0, 0.5), in log2 days. An unseen item is not known; a
multiple-choice answer is right with ``p + (1 - p) / choices`` (guessing).
Every answer, with its feedback, counts as an exposure.

Rows: the mean true recall on the interview morning of the items each member
saw, and the reviews (``/prep review`` answers) each member did.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from bench import sm2
from bench.common import Result
from bot import memory, quiz
from bot.content import Pack, load_library, shipped_content_root
from bot.services.quiz import practice_topics

MEMBERS = 300
DAYS = 60
SEED = 20260115
START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
BIAS, RIGHT, WRONG = -1.0, 2.2, -0.3
ANSWER_SECONDS = 20


@dataclass
class Trace:
    """One member's true memory of one item (half-life regression)."""

    right: int = 0
    wrong: int = 0
    last: dt.datetime | None = None


@dataclass
class Learner:
    ability: float
    skip: float
    traces: dict[str, Trace] = field(default_factory=dict)

    def recall(self, item: str, difficulty: float, at: dt.datetime) -> float:
        trace = self.traces.get(item)
        if trace is None or trace.last is None:
            return 0.0
        exponent = BIAS + RIGHT * math.sqrt(1 + trace.right) + WRONG * math.sqrt(1 + trace.wrong)
        half_life = 2 ** (exponent - difficulty + self.ability)
        return float(2 ** (-(at - trace.last).total_seconds() / 86400 / half_life))

    def answer(self, item: str, difficulty: float, choices: int, at: dt.datetime, rng: random.Random) -> bool:
        p = self.recall(item, difficulty, at)
        right = rng.random() < p + (1 - p) / choices
        trace = self.traces.setdefault(item, Trace())
        trace.right += right
        trace.wrong += not right
        trace.last = at
        return right


class Arm:
    """One scheduler's cards for one member, behind the calls the simulation makes."""

    def __init__(self, fsrs: bool, deadline: dt.datetime) -> None:
        self.fsrs = fsrs
        self.deadline = deadline
        self.cards: dict[str, object] = {}

    def due(self, now: dt.datetime) -> list[str]:
        if self.fsrs:
            cards = [(i, c) for i, c in self.cards.items() if isinstance(c, memory.Memory)]
            return [d.item_id for d in memory.due_today(cards, now, deadline=self.deadline)]
        due = [(c.due_at, i) for i, c in self.cards.items() if isinstance(c, sm2.ReviewState) and c.due_at]
        return [i for at, i in sorted(due) if at <= now]

    def answered(self, item: str, right: bool, now: dt.datetime, review: bool) -> None:
        card = self.cards.get(item)
        new: object
        if self.fsrs:
            assert card is None or isinstance(card, memory.Memory)
            new = memory.after_answer(card, right, now, review=review, deadline=self.deadline)
        else:
            assert card is None or isinstance(card, sm2.ReviewState)
            new = sm2.update_card(card, right, now, review_mode=review)
        if new is not None:
            self.cards[item] = new


def simulate(fsrs: bool, seed: int = SEED, members: int = MEMBERS) -> tuple[float, float]:
    """(mean interview-day recall of seen items, reviews per member) for one arm."""
    pack = load_library([shipped_content_root()]).default
    topics = {t: [i.id for i in items] for t, items in practice_topics(pack).items()}
    choices = {i.id: len(i.choices) for items in practice_topics(pack).values() for i in items}
    world = random.Random(seed)
    difficulty = {item: world.gauss(0, 0.7) for item in sorted(choices)}
    results = [study(fsrs, f"{seed}:{n}", pack, topics, choices, difficulty) for n in range(members)]
    recalls = [r for r, _ in results if r is not None]
    return sum(recalls) / len(recalls), sum(n for _, n in results) / members


def study(
    fsrs: bool,
    seed: str,
    pack: Pack,
    topics: dict[str, list[str]],
    choices: dict[str, int],
    difficulty: dict[str, float],
) -> tuple[float | None, int]:
    """One member's 60 days: (true recall of seen items on the interview morning, reviews done)."""
    people = random.Random(seed)
    learner = Learner(ability=people.gauss(0, 0.5), skip=people.uniform(0.1, 0.4))
    skipped = [people.random() < learner.skip for _ in range(DAYS)]
    hours = [people.uniform(7, 21) for _ in range(DAYS)]
    rng = random.Random(f"{seed}:answers")
    deadline = START + dt.timedelta(days=DAYS)
    arm = Arm(fsrs, deadline)
    tallies: dict[str, quiz.Tally] = {}
    shown: dict[str, dict[str, int]] = {}
    reviews = 0

    def answer(item: str, now: dt.datetime, review: bool) -> None:
        right = learner.answer(item, difficulty[item], choices[item], now, rng)
        arm.answered(item, right, now, review)
        topic = pack.topic_of(item)
        old = tallies.get(topic, quiz.Tally())
        tallies[topic] = quiz.Tally(old.correct + right, old.attempts + 1)

    for day in range(DAYS):
        if skipped[day]:
            continue
        now = START + dt.timedelta(days=day, hours=hours[day])
        days_left = (deadline.date() - now.date()).days
        for item in arm.due(now):  # the plan's first step: `/prep review` until nothing is due
            answer(item, now, True)
            reviews += 1
            now += dt.timedelta(seconds=ANSWER_SECONDS)
        topic = quiz.weakest_topic(sorted(topics), tallies, rng)
        counts = shown.setdefault(topic, {})
        for _ in range(quiz.plan_questions(days_left)):  # then `/prep quiz <weakest>`
            item = quiz.pick_item(topics[topic], counts, rng)
            counts[item] = counts.get(item, 0) + 1
            answer(item, now, False)
            now += dt.timedelta(seconds=ANSWER_SECONDS)
        now += memory.FIRST_STEP + dt.timedelta(minutes=1)
        for item in arm.due(now):  # the misses back after the 10-minute step
            answer(item, now, True)
            reviews += 1
            now += dt.timedelta(seconds=ANSWER_SECONDS)
    seen = list(learner.traces)
    if not seen:
        return None, reviews
    return sum(learner.recall(i, difficulty[i], deadline) for i in seen) / len(seen), reviews


async def run() -> list[Result]:
    ours_recall, ours_reviews = simulate(True)
    base_recall, base_reviews = simulate(False)
    note = f"{MEMBERS} members, {DAYS} days, seed {SEED}"
    return [
        Result("interview-day recall of seen items", ours_recall, base_recall, "p", True, note),
        Result("reviews per member", ours_reviews, base_reviews, "count", False, note),
    ]
