"""The APScheduler wiring, for real: ticks across DST, restarts, schedule changes, two schedulers at once."""

from __future__ import annotations

import ast
import asyncio
import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from adapters.console.chat import ConsoleChat
from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.features import build_bot
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
    ("spec", "day", "fires_at"),
    [
        # 02:30 does not exist in New York on 8 March 2026: it fires at 03:30 EDT (07:30 UTC).
        ("02:30 America/New_York", dt.date(2026, 3, 8), dt.datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
        # 01:30 happens twice on 1 November 2026: it fires at the first (01:30 EDT, 05:30 UTC).
        ("01:30 America/New_York", dt.date(2026, 11, 1), dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        # Lord Howe moves its clocks by 30 minutes: 02:15 is in its October gap.
        ("02:15 Australia/Lord_Howe", dt.date(2026, 10, 4), dt.datetime(2026, 10, 3, 15, 45, tzinfo=UTC)),
    ],
)
async def test_ticks_across_a_dst_change_post_once_never_early(
    session: ConsoleSession, clock: ManualClock, spec: str, day: dt.date, fires_at: dt.datetime
) -> None:
    clock.set(fires_at - dt.timedelta(days=2))
    await schedule(session, spec)
    # A tick every 10 minutes through the day: nothing before the instant, one post at it.
    clock.set(fires_at - dt.timedelta(hours=12))
    before = len(prompt_posts(session.chat))
    while clock.now() < fires_at + dt.timedelta(hours=6):
        await session.bot.tick(session.chat)
        posted = prompt_posts(session.chat)[before:]
        assert len(posted) == (clock.now() >= fires_at), clock.now()
        clock.advance(dt.timedelta(minutes=10))
    assert fires_at.astimezone(ZoneInfo(spec.split()[1])).date() == day  # the post's local date


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


async def test_a_schedule_change_takes_effect_without_a_restart(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    clock.set(POSTING - dt.timedelta(minutes=5))
    handle = await runner.start(session.bot, session.chat, tick_seconds=0.02)
    try:
        await schedule(session, "09:30 America/New_York mon-fri")  # set while the scheduler runs
        clock.set(POSTING)
        await until(lambda: len(prompt_posts(session.chat)) == 1)
        # A change made by another process, straight in the database, counts on the next tick.
        async with db.unit() as s:
            channel = await s.get(Channel, await channel_id(db))
            assert channel is not None
            channel.post_time, channel.timezone = "07:45", "Asia/Tokyo"
            s.add(channel)
        clock.set(dt.datetime(2026, 1, 5, 22, 44, 59, tzinfo=UTC))  # Tuesday 07:44:59 in Tokyo
        await asyncio.sleep(0.2)
        assert len(prompt_posts(session.chat)) == 1
        clock.set(dt.datetime(2026, 1, 5, 22, 45, tzinfo=UTC))
        await until(lambda: len(prompt_posts(session.chat)) == 2)
        await session.push("alice: /prep schedule off")
        clock.set(dt.datetime(2026, 1, 6, 22, 45, tzinfo=UTC))
        await asyncio.sleep(0.2)
        assert len(prompt_posts(session.chat)) == 2
    finally:
        await handle.stop()


def test_the_scheduler_only_says_when_it_reads_no_store() -> None:
    """scheduler/ imports nothing from bot.store, not even for type checking."""
    root = Path(runner.__file__).parent
    imported = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert "bot.router" in imported  # the walk sees the runner's imports
    assert sorted(m for m in imported if m == "bot.store" or m.startswith("bot.store.")) == []
