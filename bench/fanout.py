"""Daily fan-out, all due at the same minute: 1,000 channels in one workspace, then 1,000 workspaces.

prepbot's real path in both rows: every channel gets ``/prep schedule HH:MM UTC daily``
through the core (HH:MM is the current UTC minute; ``schedule_from`` is then moved
an hour back, as if they had been set yesterday), then the APScheduler runner of
``scheduler/runner.py`` is started with a 1 s tick, as at the minute: its first tick
finds every channel due and ``post_due`` sends them with its pool of workers through
the ``SlackPort`` (the paced slack_sdk client, :mod:`adapters.slack.webclient`) on a
SQLite file, with the system clock. The clock of the figure starts when that first
tick fires: ticks fall on whole seconds, so a runner already running fires at the
minute the work is due, and the bench's runner, started at some point within a
second, first waits for the next one (the note gives that wait apart; until this
session it was counted against prepbot, which on a quiet machine, where the
straight posting takes about a second, halved the 1,000-workspace ratio). The Web
API is :mod:`bench.capped_slack` in a process of its own:
1 post/s per channel and ``CAP`` posts/s per workspace (``429`` + ``Retry-After: 1``
beyond). Duplicates (a channel posted to more than once) and losses (a channel
never posted to within ``DEADLINE_S``) are counted from what the fake accepted.

``fan-out posts/s, 1000 channels, cap 20/s``: one workspace; the baseline is the
cap itself, so the ratio is the share of the cap achieved (``ours`` is posts per
second from the firing to the last channel's first post).

``fan-out, 1,000 workspaces``: 1,000 spaces with one channel each. What it
measures, honestly: prepbot serves one bot token, so all 1,000 spaces' posts go
through one client with one token; the fake accepts any token and keys its
limits by the team it was told each channel belongs to, and prepbot's pacer
keys its per-workspace windows by the space of the channel it posts in. That is
the work and the limits of 1,000 workspaces, not 1,000 installations (no
per-workspace tokens, no OAuth store). The baseline posts the same rendered
message to 1,000 other channels of the same 1,000 teams straight through
slack_sdk (one ``AsyncWebClient`` per workspace token, all at once, no database),
in the same run against the same fake: the ratio is prepbot's posts/s over the
straight posting's.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text, update

from adapters.slack.blocks import render
from adapters.slack.port import SlackPort, make_client
from bench.common import NullPort, Result
from bench.servers import free_port, serving
from bot.clock import SystemClock
from bot.content import load_library, shipped_content_root
from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.events import CommandInvoked
from bot.features import build_bot
from bot.services.context import ServiceContext
from bot.services.prompts import render_post
from bot.settings import Settings
from bot.store.engine import Database
from bot.store.migrate import upgrade
from bot.store.models import Channel
from scheduler import runner

CHANNELS = 1_000
CAP = 20
DEADLINE_S = 240.0
QUIET_S = 15.0  # after the last channel's first post, keep watching for late duplicates
LEFTOVER_S = 30.0  # how long jobs still running at the end may take before they are cancelled
ONE_SPACE = SpaceRef("slack", "T0BENCH", "bench")


def _channels(spread: bool) -> list[ChannelRef]:
    if not spread:
        return [ChannelRef(ONE_SPACE, f"C{n:05d}", f"room-{n}") for n in range(CHANNELS)]
    return [
        ChannelRef(SpaceRef("slack", f"T{n:05d}", f"team-{n}"), f"C{n:05d}", "room") for n in range(CHANNELS)
    ]


async def _schedule_all(ctx: ServiceContext, channels: list[ChannelRef], minute: str) -> None:
    bot = build_bot(ctx)
    port = NullPort()
    pending = list(enumerate(channels))

    async def worker() -> None:
        while pending:
            n, channel = pending.pop()
            admin = MemberRef(channel.space, "U0ADMIN", "ada", is_admin=True)
            command = CommandInvoked(f"schedule-{n}", channel, admin, "schedule", (minute, "UTC", "daily"))
            await bot.handle(command, port)

    await asyncio.gather(*(worker() for _ in range(4)))
    async with ctx.db.unit() as session:
        await session.execute(update(Channel).values(schedule_from=ctx.clock.now() - dt.timedelta(hours=1)))


async def _stats(http: aiohttp.ClientSession, base: str) -> tuple[list[tuple[str, float]], int]:
    async with http.get(f"{base}/stats") as response:
        data = await response.json()
    return [(str(c), float(t)) for c, t in data["posts"]], int(data["rejected"])


async def _finish_leftovers() -> str:
    """Let jobs still running end on their own; cancel (and say so) only what outlives LEFTOVER_S."""
    others = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
    if not others:
        return ""
    _, pending = await asyncio.wait(others, timeout=LEFTOVER_S)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=5.0)
        return f"; cancelled {len(pending)} jobs still running {LEFTOVER_S:.0f} s after the end"
    return ""


async def _prepbot_fan_out(
    ctx: ServiceContext, base: str, http: aiohttp.ClientSession
) -> tuple[float, float]:
    """Start the runner with a 1 s tick (its first tick finds every channel due) and watch the fake.

    Returns (fired at, runner started at): the clock of the figure starts when the
    first tick fires. Ticks fall on whole seconds, as at the minute the work is due
    for a runner already running; the wait from the runner's start to that first
    tick (under 1 s) is given apart in the note.
    """
    bot = build_bot(ctx)
    port = SlackPort(make_client("xoxb-bench", f"{base}/api/"))
    started = time.time()
    handle = await runner.start(bot, port, tick_seconds=1.0, catch_up=False)
    first_tick = handle.scheduler.get_job(runner.TICK_JOB).next_run_time
    fired = first_tick.timestamp() if first_tick is not None else started
    try:
        deadline = time.monotonic() + DEADLINE_S
        complete_at: float | None = None
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            posts, _ = await _stats(http, base)
            if complete_at is None and len({c for c, _ in posts}) >= CHANNELS:
                complete_at = time.monotonic()
            if complete_at is not None and time.monotonic() - complete_at > QUIET_S:
                break
    finally:
        await handle.stop()
    return fired, started


async def _straight(ctx: ServiceContext, base: str, channels: list[ChannelRef]) -> float:
    """The same post sent to a twin of every channel straight through slack_sdk, all at once; posts/s."""
    scenario = ctx.library.default.scenarios()[0]
    closes = ctx.clock.now() + dt.timedelta(hours=8)
    part = render(render_post(scenario, 1, closes, "UTC", daily=True, key="prepbot-prompt-1"))[0]
    clients = {
        c.space.id: AsyncWebClient(token=f"xoxb-{c.space.id}", base_url=f"{base}/api/") for c in channels
    }
    started = time.perf_counter()
    await asyncio.gather(
        *(
            clients[c.space.id].chat_postMessage(
                channel=_twin(c), text=part.text, blocks=part.blocks, unfurl_links=False, unfurl_media=False
            )
            for c in channels
        )
    )
    return len(channels) / (time.perf_counter() - started)


def _twin(channel: ChannelRef) -> str:
    return "B" + channel.id[1:]


async def _run_one(spread: bool) -> Result:
    channels = _channels(spread)
    with tempfile.TemporaryDirectory(prefix="prepbot-bench-") as tmp:
        folder = Path(tmp)
        db = Database(f"sqlite+aiosqlite:///{folder / 'prepbot.db'}")
        await upgrade(db)
        ctx = ServiceContext(
            db=db, library=load_library([shipped_content_root()]), clock=SystemClock(), settings=Settings()
        )
        minute = f"{ctx.clock.now():%H:%M}"
        setup_started = time.monotonic()
        await _schedule_all(ctx, channels, minute)
        setup_s = time.monotonic() - setup_started

        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PREPBOT_PORT": str(free_port()), "PYTHONPATH": root}
        command = [sys.executable, "-m", "bench.capped_slack", env["PREPBOT_PORT"], str(CAP)]
        async with serving(command, env, folder / "fake.log") as fake, aiohttp.ClientSession() as http:
            await fake.healthy()
            if spread:
                teams = {c.id: c.space.id for c in channels} | {_twin(c): c.space.id for c in channels}
                async with http.post(f"{fake.base}/teams", json=teams) as response:
                    response.raise_for_status()
            fired, started = await _prepbot_fan_out(ctx, fake.base, http)
            cancelled = await _finish_leftovers()
            posts, rejected = await _stats(http, fake.base)
            straight = await _straight(ctx, fake.base, channels) if spread else 0.0
        async with db.unit() as session:
            retaken = (
                await session.execute(text("SELECT COUNT(*) FROM promptpost WHERE attempts > 1"))
            ).scalar_one()
        await db.dispose()

    per_channel = Counter(c for c, _ in posts)
    duplicates = sum(n - 1 for n in per_channel.values() if n > 1)
    losses = CHANNELS - len(per_channel)
    first_posts = sorted(min(t for c, t in posts if c == channel) for channel in per_channel)
    elapsed = (first_posts[-1] - fired) if first_posts else float("inf")
    achieved = len(first_posts) / elapsed if first_posts else 0.0
    note = (
        f"fired by the tick; duplicates {duplicates}, losses {losses}; "
        f"{retaken} send leases taken twice; all posted in {elapsed:.1f} s from the first tick, "
        f"{fired - started:.1f} s after the runner started; {rejected} answered 429; "
        f"setup {setup_s:.1f} s{cancelled}"
    )
    if spread:
        return Result(
            f"fan-out, {CHANNELS:,} workspaces", achieved, straight, "/s", higher_is_better=True, note=note
        )
    name = f"fan-out posts/s, {CHANNELS} channels, cap {CAP}/s"
    return Result(name, achieved, CAP, "/s", higher_is_better=True, note=note)


async def run() -> list[Result]:
    # APScheduler warns each time a tick is skipped because the previous one is still posting.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    wanted = os.environ.get("PREPBOT_BENCH_FANOUT", "channels,workspaces").split(",")
    results = []
    if "channels" in wanted:
        results.append(await _run_one(spread=False))
    if "workspaces" in wanted:
        results.append(await _run_one(spread=True))
    return results
