"""Acks first: a command's work waits while requests are in flight, starts in order, and is never starved.

No timing asserts: the bounds given to the lane are far apart (milliseconds of
quiet against seconds of patience), so each check holds however slow the machine.
"""

from __future__ import annotations

import asyncio

from adapters.slack.lane import Lane


async def test_work_waits_for_the_requests_in_flight_then_starts_in_order() -> None:
    lane = Lane(quiet=0.001, most=600.0)
    started: list[int] = []

    async def work(n: int) -> None:
        await lane.turn()
        started.append(n)

    with lane.acking():
        tasks = [asyncio.create_task(work(n)) for n in range(5)]
        await asyncio.sleep(0.05)
        assert started == [], "no work starts while a request waits for its ack"
        with lane.acking():
            pass
        await asyncio.sleep(0.05)
        assert started == [], "one request answered while another is in flight is not quiet"
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
    assert started == [0, 1, 2, 3, 4]


async def test_work_is_never_held_longer_than_its_bound() -> None:
    lane = Lane(quiet=600.0, most=0.05)
    with lane.acking():  # a request that never finishes, and no quiet moment ever
        await asyncio.wait_for(lane.turn(), timeout=30)
        await asyncio.wait_for(lane.turn(), timeout=30)


async def test_a_cancelled_waiter_does_not_hold_up_the_next() -> None:
    lane = Lane(quiet=0.001, most=600.0)
    with lane.acking():
        first = asyncio.create_task(lane.turn())
        second = asyncio.create_task(lane.turn())
        await asyncio.sleep(0)
        first.cancel()
    await asyncio.wait_for(second, timeout=30)
    assert first.cancelled()
