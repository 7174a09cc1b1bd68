"""Every shipped content file is valid, teaches well, and the Netflix pack is complete."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.content import Library, load_library, shipped_content_root
from bot.content_checks import length_ranks, quality_problems
from bot.content_schema import FACT_KINDS, MultipleChoice

# What issues #3 and #14 ask of the first pack: items per topic (all kinds), and the
# kinds each topic must keep enough of so merging duplicates cannot hollow it out.
TOPIC_MINIMUMS = {"questions-to-ask": 60, "motivation": 55, "culture-values": 140, "role-expectations": 40}
MINIMUMS = {
    "questions-to-ask": {"ask": 60},
    "motivation": {"reflection": 25, "mcq": 25},
    "culture-values": {"scenario": 60, "mcq": 80},
}
ROLE_ITEMS_MINIMUM = 40


@pytest.fixture(scope="module")
def shipped() -> Library:
    return load_library([shipped_content_root()])


def test_every_shipped_pack_passes_the_editorial_checks(shipped: Library) -> None:
    problems = [str(p) for pack in shipped.packs.values() for p in quality_problems(pack) if not p.warning]
    assert problems == []


@pytest.mark.parametrize("topic", sorted(TOPIC_MINIMUMS))
def test_netflix_topic_keeps_its_minimum_count(shipped: Library, topic: str) -> None:
    total = sum(shipped.pack("netflix").counts()[topic].values())
    assert total >= TOPIC_MINIMUMS[topic], f"{topic}: {total} < {TOPIC_MINIMUMS[topic]}"


@pytest.mark.parametrize("topic", sorted(MINIMUMS))
def test_netflix_topic_has_enough_items_of_each_kind(shipped: Library, topic: str) -> None:
    counts = shipped.pack("netflix").counts()[topic]
    for kind, minimum in MINIMUMS[topic].items():
        assert counts.get(kind, 0) >= minimum, f"{topic}/{kind}: {counts.get(kind, 0)} < {minimum}"


def test_role_expectations_has_enough_quiz_items_and_scenarios(shipped: Library) -> None:
    counts = shipped.pack("netflix").counts()["role-expectations"]
    assert counts.get("mcq", 0) + counts.get("scenario", 0) >= ROLE_ITEMS_MINIMUM
    assert counts.get("mcq", 0) > 0 and counts.get("scenario", 0) > 0


def test_fact_bearing_items_cite_a_source(shipped: Library) -> None:
    missing = [
        e.item.id for e in shipped.pack("netflix").entries if e.item.kind in FACT_KINDS and not e.item.source
    ]
    assert missing == []


def test_multiple_choice_answers_are_not_given_away_by_position_or_length(shipped: Library) -> None:
    pack = shipped.pack("netflix")
    items = [i for i in pack.items(kinds=("mcq",)) if isinstance(i, MultipleChoice)]
    positions = Counter(i.answer_index for i in items)
    # No single position may hold more than half of the answers.
    assert max(positions.values()) <= len(items) / 2, positions
    # No single length strategy comes near the lint limit: keep a margin below 35 %.
    for file, tally in length_ranks(pack).items():
        name, share = tally.worst()
        limit = 0.32 if not file else 0.37
        if not file or tally.items >= 15:
            assert share <= limit, (file or "pack", name, share)


def test_every_item_names_its_difficulty_and_round(shipped: Library) -> None:
    for entry in shipped.pack("netflix").entries:
        assert entry.item.difficulty and entry.item.round, entry.item.id
