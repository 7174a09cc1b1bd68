"""The workspace pacer: a 429 widens the gap and holds everyone, successes narrow it."""

from __future__ import annotations

import pytest

from adapters.slack.pacer import FIRST_GAP, MAX_GAP, Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_without_refusals_posts_are_not_delayed() -> None:
    clock = Clock()
    pacer = Pacer(clock)
    await pacer.wait()
    await pacer.wait()
    assert pacer.gap == 0.0


def test_a_refusal_holds_every_sender_then_spaces_them() -> None:
    clock = Clock()
    pacer = Pacer(clock)
    pacer.limited(retry_after=1.0)
    assert pacer.gap == FIRST_GAP
    slots = []
    for _ in range(3):
        # What wait() computes, without sleeping: each caller's slot in order.
        slot = max(clock(), pacer._next_slot, pacer._hold_until)
        pacer._next_slot = slot + pacer.gap
        slots.append(slot)
    assert slots == pytest.approx([101.0, 101.0 + FIRST_GAP, 101.0 + 2 * FIRST_GAP])


def test_the_gap_doubles_once_per_hold_up_to_a_cap_and_narrows_on_success() -> None:
    clock = Clock()
    pacer = Pacer(clock)
    for _ in range(5):  # a burst of refusals for posts already in flight
        pacer.limited(retry_after=1.0)
    assert pacer.gap == FIRST_GAP
    for _ in range(20):
        clock.now += 1.5  # each later refusal comes after the hold
        pacer.limited(retry_after=1.0)
    assert pacer.gap == MAX_GAP
    before = pacer.gap
    pacer.succeeded()
    assert pacer.gap < before
    for _ in range(2000):
        pacer.succeeded()
    assert pacer.gap == 0.0
