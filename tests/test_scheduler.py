"""The APScheduler wiring, for real: cron triggers across DST, restarts, two schedulers on one database."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from adapters.console.chat import ConsoleChat
from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.features import build_bot
from bot.schedule import Schedule, next_occurrence
from bot.services.context import ServiceContext
from bot.store.engine import Database
from bot.store.models import Channel
from scheduler import runner
from tests.test_prompts import POSTING, prompt_posts, schedule

UTC = dt.UTC


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def channel_id(db: Database) -> int:
    async with db.unit() as s:
        return (await s.execute(select(col(Channel.id)))).scalars().one() or 0


@pytest.mark.parametrize(
    ("zone", "time", "weekdays"),
    [
        ("America/New_York", dt.time(9, 30), frozenset(range(5))),
        ("America/New_York", dt.time(2, 30), frozenset(range(7))),  # inside the March gap
        ("America/New_York", dt.time(1, 30), frozenset(range(7))),  # inside the November overlap
        ("Europe/London", dt.time(1, 30), frozenset({5, 6})),
        ("Australia/Lord_Howe", dt.time(2, 15), frozenset(range(7))),  # a 30-minute DST shift
    ],
)
def test_cron_trigger_never_misses_a_core_occurrence_across_a_year(
    zone: str, time: dt.time, weekdays: frozenset[int]
) -> None:
    schedule = Schedule(time, zone, weekdays)
    trigger = runner.trigger_for(schedule)
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    end = dt.datetime(2027, 1, 1, tzinfo=UTC)
    fires: list[dt.datetime] = []
    previous = None
    while True:
        fire = trigger.get_next_fire_time(previous, previous or start)
        # Compare instants: an aware time inside a DST gap never equals one in another zone.
        if fire.astimezone(UTC) >= end:
            break
        fires.append(fire.astimezone(UTC))
        previous = fire
    expected, cursor = [], start
    while (occurrence := next_occurrence(schedule, cursor)).instant < end:
        expected.append(occurrence)
        cursor = occurrence.instant
    assert len(expected) > 50
    # Every post the core expects has a trigger fire at that very instant: nothing skipped.
    assert {o.instant for o in expected} <= set(fires)
    # APScheduler fires an overlapping time twice (01:30 EDT and 01:30 EST); the extra fire
    # is on a local date already claimed, so the database keeps it to one post.
    by_date = {o.local_date: o.instant for o in expected}
    for fire in fires:
        local_date = fire.astimezone(ZoneInfo(zone)).date()
        assert by_date[local_date] <= fire


async def test_the_doubled_overlap_fire_still_posts_once(session: ConsoleSession, clock: ManualClock) -> None:
    await schedule(session, "01:30 America/New_York")
    trigger = runner.trigger_for(Schedule(dt.time(1, 30), "America/New_York"))
    first = trigger.get_next_fire_time(None, dt.datetime(2026, 11, 1, tzinfo=UTC))
    second = trigger.get_next_fire_time(first, first)
    assert (first.astimezone(UTC).hour, second.astimezone(UTC).hour) == (5, 6)  # 01:30 EDT, then EST
    for fire in (first, second):
        clock.set(fire)
        await session.push("tick")
    assert len(prompt_posts(session.chat)) == 1


async def test_the_scheduler_ticks_for_real_and_posts_at_the_minute_once(
    session: ConsoleSession, clock: ManualClock
) -> None:
    await schedule(session)
    clock.set(POSTING - dt.timedelta(seconds=1))
    handle = await runner.start(session.bot, session.chat, tick_seconds=0.02)
    try:
        await asyncio.sleep(0.2)
        assert prompt_posts(session.chat) == []
        clock.set(POSTING)
        await until(lambda: len(prompt_posts(session.chat)) == 1)
        await asyncio.sleep(0.2)  # ten more ticks
        assert len(prompt_posts(session.chat)) == 1
    finally:
        await handle.stop()
    assert not handle.scheduler.running


async def test_the_channels_cron_job_posts_when_it_fires(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    await schedule(session)
    clock.set(POSTING)
    handle = await runner.start(session.bot, session.chat, tick_seconds=3600, catch_up=False)
    try:
        job = handle.scheduler.get_job(f"prompt:{await channel_id(db)}")
        assert job.trigger.timezone == ZoneInfo("America/New_York")
        assert prompt_posts(session.chat) == []
        job.modify(next_run_time=dt.datetime.now(UTC) + dt.timedelta(milliseconds=50))
        await until(lambda: len(prompt_posts(session.chat)) == 1)
    finally:
        await handle.stop()


@pytest.mark.parametrize("first_run_posts", [False, True], ids=["down-across-the-minute", "up-at-the-minute"])
async def test_restarts_one_second_before_and_five_after_post_once(
    session: ConsoleSession, clock: ManualClock, first_run_posts: bool
) -> None:
    await schedule(session)
    clock.set(POSTING - dt.timedelta(seconds=1))
    first = await runner.start(session.bot, session.chat, tick_seconds=3600)
    if first_run_posts:
        clock.set(POSTING)
        await first.catch_up()
    await first.stop()  # the restart
    clock.set(POSTING + dt.timedelta(seconds=5))
    second = await runner.start(session.bot, session.chat, tick_seconds=3600)
    await second.stop()
    third = await runner.start(session.bot, session.chat, tick_seconds=3600)  # and once more
    await third.stop()
    assert len(prompt_posts(session.chat)) == 1


async def test_two_schedulers_on_one_database_post_once(
    session: ConsoleSession, ctx: ServiceContext, clock: ManualClock, database_url: str
) -> None:
    await schedule(session)
    clock.set(POSTING + dt.timedelta(seconds=1))
    other_db = Database(database_url)  # the second process has its own engine
    other = build_bot(ServiceContext(other_db, ctx.library, clock, ctx.settings, random.Random(1)))
    chats = [ConsoleChat(), ConsoleChat()]
    bots = [session.bot, other]
    handles = await asyncio.gather(
        *(runner.start(b, c, tick_seconds=0.02) for b, c in zip(bots, chats, strict=True))
    )
    try:
        await asyncio.sleep(0.3)
        assert sum(len(prompt_posts(c)) for c in chats) == 1
        clock.set(POSTING + dt.timedelta(days=1))  # Tuesday 09:30
        await until(lambda: sum(len(prompt_posts(c)) for c in chats) == 2)
        await asyncio.sleep(0.3)
        assert sum(len(prompt_posts(c)) for c in chats) == 2
    finally:
        await asyncio.gather(*(h.stop() for h in handles))
        await other_db.dispose()


async def test_schedule_changes_rebuild_the_triggers(session: ConsoleSession, db: Database) -> None:
    handle = await runner.start(session.bot, session.chat, tick_seconds=3600, sync_seconds=0.05)
    try:
        await schedule(session, "10:00 Europe/London sat")
        cid = await channel_id(db)
        expected = next_occurrence(
            Schedule(dt.time(10), "Europe/London", frozenset({5})), dt.datetime.now(UTC)
        )
        assert handle.next_fire_time(cid) == expected.instant
        await session.push("alice: /prep schedule off")
        assert handle.next_fire_time(cid) is None
        # A change made by another process is picked up by the periodic sync.
        async with db.unit() as s:
            channel = await s.get(Channel, cid)
            assert channel is not None
            channel.post_time, channel.timezone = "07:45", "Asia/Tokyo"
            s.add(channel)
        await until(lambda: handle.next_fire_time(cid) is not None)
        fire = handle.next_fire_time(cid)
        assert fire is not None and fire.astimezone(ZoneInfo("Asia/Tokyo")).time() == dt.time(7, 45)
    finally:
        await handle.stop()
    assert handle.rebuild not in session.bot.ctx.schedule_listeners
