"""Pairing rules as pure code: everyone placed once, no repeats while avoidable, roles rotate."""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pairing import Candidate, Group, make_groups, repeated_pairs

offsets = st.sampled_from([-8.0, -5.0, 0.0, 1.0, 5.5, 9.0])


def _people(n: int, offset: float = 0.0) -> list[Candidate]:
    return [Candidate(f"m{i}", offset) for i in range(n)]


@given(st.lists(offsets, min_size=0, max_size=17), st.integers(0, 1000))
@settings(max_examples=150, deadline=None)
def test_everyone_is_placed_exactly_once_in_pairs_or_one_trio(zones: list[float], seed: int) -> None:
    people = [Candidate(f"m{i}", z) for i, z in enumerate(zones)]
    groups = make_groups(people, rng=random.Random(seed))
    placed = Counter(m for g in groups for m in g.members)
    if len(people) < 2:
        assert groups == []
        return
    assert placed == Counter(p.id for p in people)
    sizes = Counter(len(g.members) for g in groups)
    assert set(sizes) <= {2, 3}
    assert sizes[3] == (1 if len(people) % 2 else 0)


@given(st.integers(2, 8).map(lambda k: 2 * k), st.integers(0, 1000))
@settings(max_examples=60, deadline=None)
def test_no_pair_repeats_within_the_window_when_avoidable(n: int, seed: int) -> None:
    rng = random.Random(seed)
    people = _people(n)
    window: list[set[frozenset[str]]] = []
    # Over n-1 rounds a round-robin with no repeats exists; stay within a window of 3 rounds.
    for _ in range(3):
        recent = set().union(*window) if window else set()
        groups = make_groups(people, recent_pairs=recent, rng=rng)
        assert repeated_pairs(groups, recent) == set()
        window.append({p for g in groups for p in g.pairs()})


def test_a_repeat_happens_only_when_nothing_else_is_possible() -> None:
    a, b = _people(2)
    groups = make_groups([a, b], recent_pairs=[frozenset({"m0", "m1"})])
    assert len(groups) == 1  # two people: meeting again beats not practising


@given(st.integers(0, 1000))
@settings(max_examples=40, deadline=None)
def test_roles_rotate_toward_who_interviewed_least(seed: int) -> None:
    rng = random.Random(seed)
    turns = Counter[str]()
    ids = [f"m{i}" for i in range(6)]
    for _ in range(12):
        people = [Candidate(i, 0.0, turns[i]) for i in ids]
        for group in make_groups(people, rng=rng):
            assert turns[group.interviewer] == min(turns[m] for m in group.members)
            turns[group.interviewer] += 1
    assert max(turns.values()) - min(turns.values()) <= 1


def test_time_zones_keep_far_apart_members_separate_when_possible() -> None:
    people = [Candidate(f"eu{i}", 1.0) for i in range(4)] + [Candidate(f"ap{i}", 9.0) for i in range(4)]
    groups = make_groups(people, zone_window_hours=4, rng=random.Random(3))
    for group in groups:
        assert len({m[:2] for m in group.members}) == 1, group


def test_large_groups_use_the_greedy_search_and_still_avoid_repeats() -> None:
    people = _people(30)
    rng = random.Random(11)
    first = make_groups(people, rng=rng)
    recent = {p for g in first for p in g.pairs()}
    second = make_groups(people, recent_pairs=recent, rng=rng)
    assert repeated_pairs(second, recent) == set()
    assert all(isinstance(g, Group) for g in second)


@given(st.integers(2, 9), st.integers(0, 1000), st.data())
@settings(max_examples=80, deadline=None)
def test_members_interviewing_soon_are_candidates_whenever_someone_else_can_interview(
    n: int, seed: int, data: st.DataObject
) -> None:
    soon = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    answered = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    people = [Candidate(f"m{i}", 0.0, 0, soon[i], answered[i]) for i in range(n)]
    by_id = {p.id: p for p in people}
    for group in make_groups(people, rng=random.Random(seed)):
        seated = [by_id[m] for m in group.members]
        chief = by_id[group.interviewer]
        if any(not p.interview_soon for p in seated):
            assert not chief.interview_soon
        free = [p for p in seated if p.interview_soon == chief.interview_soon]
        if any(p.answered for p in free):
            assert chief.answered  # someone who has answered scenarios knows the rubric


def test_two_members_interviewing_soon_are_split_across_pairs_when_they_can_be() -> None:
    people = [Candidate("soon1", interview_soon=True), Candidate("soon2", interview_soon=True)]
    people += [Candidate("free1", answered=2), Candidate("free2", answered=1)]
    for seed in range(20):
        for group in make_groups(people, rng=random.Random(seed)):
            assert group.interviewer.startswith("free") and group.candidates[0].startswith("soon")
