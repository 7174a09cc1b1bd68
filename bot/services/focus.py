"""Team focus: the daily prompt leans toward the topic the channel answers worst.

The no-repeat rotation comes first: among the scenarios used least in the
channel, one from the team's weakest topic is preferred, and the post says why.
"Weakest" is the lowest quiz accuracy among the people who answer prompts in
this channel (the whole workspace until anyone has; see
:func:`bot.store.quizzes.channel_accuracy`), counted once a topic has enough
answers to mean something.

Quiz results are private, and the post is public: an accuracy is shown only when
at least ``MIN_MEMBERS`` members' answers make it, so no post can reveal one
person's score. Otherwise the post says the scenario came by rotation.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from bot.content import Pack
from bot.content_schema import Scenario

MIN_ANSWERS = 5
MIN_MEMBERS = 3  # a public aggregate needs company: fewer members could be singled out
ROTATION = "Chosen by rotation: the scenario this channel has seen least."
# Lean only when the weakest topic is clearly behind; otherwise rotate plainly.
WEAK_BELOW = 0.75


@dataclass(frozen=True)
class Choice:
    """The scenario to post and, when focus decided it, the sentence that says why."""

    scenario: Scenario
    why: str = ROTATION


def weakest(
    pack: Pack, accuracy: dict[str, tuple[int, int, int]], topics: set[str]
) -> tuple[str, float] | None:
    """The topic with the lowest accuracy among ``topics``, if it is clearly weak and in company."""
    measured = [
        (ok / n, topic)
        for topic, (ok, n, people) in accuracy.items()
        if topic in topics and n >= MIN_ANSWERS and people >= MIN_MEMBERS
    ]
    if not measured:
        return None
    share, topic = min(measured)
    return (topic, share) if share < WEAK_BELOW else None


def choose(
    pack: Pack,
    scenarios: Sequence[Scenario],
    uses: dict[str, int],
    accuracy: dict[str, tuple[int, int, int]],
    rng: random.Random,
) -> Choice:
    """A least-used scenario, from the weakest topic when one of those is in it."""
    fewest = min(uses.get(s.id, 0) for s in scenarios)
    fresh = [s for s in scenarios if uses.get(s.id, 0) == fewest]
    weak = weakest(pack, accuracy, {pack.topic_of(s.id) for s in fresh})
    if weak is None:
        return Choice(rng.choice(fresh))
    topic, share = weak
    title = next((t.title for t in pack.topics if t.id == topic), topic)
    why = f"Chosen for this team: quiz accuracy on “{title}” is {share:.0%}, your weakest topic."
    return Choice(rng.choice([s for s in fresh if pack.topic_of(s.id) == topic]), why)
