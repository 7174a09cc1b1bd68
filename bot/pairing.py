"""Pure rules for mock-interview pairing: who meets whom, and who interviews.

No I/O and no clock: the service hands in the members who opted in, the pairs
of recent rounds, and a random source, and gets groups back.

A group is a pair, or a trio when the count is odd. Costs steer the choice:
a pair that met in a recent round costs the most, then a pair whose time zones
are far apart, then two members who both interview soon (both need the
candidate's seat), then the plain distance between their UTC offsets, then two
members who have interviewed equally often.

Roles serve whoever interviews next: a member with an interview within
:data:`SOON_DAYS` is a candidate whenever someone in the group is not; among
the others the interviewer's seat goes to someone who has answered culture
scenarios (so they know what a strong answer covers), then to whoever has
interviewed least.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

REPEAT_COST = 1_000.0
FAR_ZONE_COST = 50.0
# Pairing two members with the same number of interviewer turns leaves one of
# them behind; a small cost keeps roles rotating evenly across the channel.
SAME_TURNS_COST = 0.5
# Two members who both interview soon in one pair: one of them would lose the practice.
BOTH_SOON_COST = 20.0
SOON_DAYS = 14
EXHAUSTIVE_LIMIT = 12
RESTARTS = 60


@dataclass(frozen=True)
class Candidate:
    """A member who opted in: their id, current UTC offset, and interviewer turns so far.

    ``interview_soon``: their interview is within :data:`SOON_DAYS`; ``answered``: how
    many culture scenarios they have answered (an interviewer who has knows the rubric).
    """

    id: str
    utc_offset_hours: float = 0.0
    interviewer_turns: int = 0
    interview_soon: bool = False
    answered: int = 0


@dataclass(frozen=True)
class Group:
    """One mock interview: an interviewer and one or two candidates."""

    interviewer: str
    candidates: tuple[str, ...]

    @property
    def members(self) -> tuple[str, ...]:
        return (self.interviewer, *self.candidates)

    def pairs(self) -> list[frozenset[str]]:
        return [frozenset(p) for p in combinations(self.members, 2)]


def pair_cost(a: Candidate, b: Candidate, recent: set[frozenset[str]], zone_window: float) -> float:
    """What putting ``a`` and ``b`` together costs (lower is better)."""
    gap = abs(a.utc_offset_hours - b.utc_offset_hours)
    gap = min(gap, 24 - gap)
    cost = gap
    if gap > zone_window:
        cost += FAR_ZONE_COST
    if frozenset((a.id, b.id)) in recent:
        cost += REPEAT_COST
    if a.interview_soon and b.interview_soon:
        cost += BOTH_SOON_COST
    if a.interviewer_turns == b.interviewer_turns:
        cost += SAME_TURNS_COST
    return cost


def make_groups(
    candidates: Sequence[Candidate],
    *,
    recent_pairs: Iterable[frozenset[str]] = (),
    zone_window_hours: float = 6.0,
    rng: random.Random | None = None,
) -> list[Group]:
    """Split ``candidates`` into pairs (one trio when odd) at the lowest total cost.

    Fewer than two candidates make no group. Small groups are searched
    exhaustively; larger ones by greedy matching from many random starts.
    """
    rng = rng or random.Random()
    people = list(candidates)
    if len(people) < 2:
        return []
    recent = set(recent_pairs)
    rng.shuffle(people)
    extra: Candidate | None = None
    if len(people) % 2 == 1:
        people, extra = _choose_trio_member(people, recent, zone_window_hours)
    if len(people) <= EXHAUSTIVE_LIMIT:
        pairs = _best_exhaustive(people, recent, zone_window_hours)
    else:
        pairs = _best_greedy(people, recent, zone_window_hours, rng)
    groups = [list(pair) for pair in pairs]
    if extra is not None:
        best = min(groups, key=lambda g: sum(pair_cost(extra, m, recent, zone_window_hours) for m in g))
        best.append(extra)
    return [_assign_roles(group, rng) for group in groups]


def _choose_trio_member(
    people: list[Candidate], recent: set[frozenset[str]], window: float
) -> tuple[list[Candidate], Candidate]:
    """The member who joins a pair: the one with the most low-cost partners to choose from."""

    def flexibility(c: Candidate) -> float:
        return sum(pair_cost(c, o, recent, window) for o in people if o is not c)

    extra = min(people, key=flexibility)
    return [p for p in people if p is not extra], extra


def _best_exhaustive(
    people: list[Candidate], recent: set[frozenset[str]], window: float
) -> list[tuple[Candidate, Candidate]]:
    best: tuple[float, list[tuple[Candidate, Candidate]]] = (float("inf"), [])

    def search(rest: list[Candidate], chosen: list[tuple[Candidate, Candidate]], cost: float) -> None:
        nonlocal best
        if cost >= best[0]:
            return
        if not rest:
            best = (cost, list(chosen))
            return
        first, others = rest[0], rest[1:]
        for index, partner in enumerate(others):
            step = pair_cost(first, partner, recent, window)
            chosen.append((first, partner))
            search(others[:index] + others[index + 1 :], chosen, cost + step)
            chosen.pop()

    search(people, [], 0.0)
    return best[1]


def _best_greedy(
    people: list[Candidate], recent: set[frozenset[str]], window: float, rng: random.Random
) -> list[tuple[Candidate, Candidate]]:
    best: tuple[float, list[tuple[Candidate, Candidate]]] = (float("inf"), [])
    for _ in range(RESTARTS):
        order = people[:]
        rng.shuffle(order)
        pairs: list[tuple[Candidate, Candidate]] = []
        total = 0.0
        while order:
            first = order.pop()
            partner = min(order, key=lambda o: pair_cost(first, o, recent, window))
            order.remove(partner)
            pairs.append((first, partner))
            total += pair_cost(first, partner, recent, window)
        if total < best[0]:
            best = (total, pairs)
    return best[1]


def _assign_roles(group: list[Candidate], rng: random.Random) -> Group:
    """Who interviews: not someone interviewing soon when another can; then someone who has
    answered scenarios; then whoever has interviewed least (ties drawn at random)."""
    seats = [c for c in group if not c.interview_soon] or group
    seats = [c for c in seats if c.answered] or seats
    fewest = min(c.interviewer_turns for c in seats)
    eligible = [c for c in seats if c.interviewer_turns == fewest]
    interviewer = rng.choice(eligible)
    candidates = tuple(c.id for c in group if c is not interviewer)
    return Group(interviewer=interviewer.id, candidates=candidates)


def repeated_pairs(groups: Iterable[Group], recent_pairs: Iterable[frozenset[str]]) -> set[frozenset[str]]:
    """The pairs in ``groups`` that already met in a recent round."""
    recent = set(recent_pairs)
    return {pair for group in groups for pair in group.pairs() if pair in recent}
