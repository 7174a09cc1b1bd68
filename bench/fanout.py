"""Daily fan-out to 1,000 Slack channels due at the same minute, under a 20 posts/s workspace cap.

prepbot's real path: 1,000 channels get ``/prep schedule HH:MM UTC daily`` through
the core (HH:MM is the current UTC minute; ``schedule_from`` is then moved an hour
back, as if they had been set yesterday), then the APScheduler runner of
``scheduler/runner.py`` is started with a 1 s tick, as at the minute: its first tick
finds all 1,000 due and ``post_due`` sends them with its pool of workers through the
``SlackPort`` (slack_sdk client with the patient 429 handler) on a SQLite file, with
the system clock. The clock of the figure starts when the runner starts, so the wait
for the first tick (up to 1 s) counts against prepbot.

The Web API is :mod:`bench.capped_slack` in a process of its own: 1 post/s per
channel and ``CAP`` posts/s for the workspace (``429`` + ``Retry-After: 1``
beyond). The baseline is the cap itself: ``ours`` is posts delivered per second
from the firing to the last post, so the ratio is the share of the cap achieved.
Duplicates (a channel posted to more than once) and losses (a channel never posted
to within ``DEADLINE_S``) are counted from what the fake accepted; both must be 0.
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
from sqlalchemy import text, update

from adapters.slack.port import SlackPort, make_client
from bench.common import NullPort, Result
from bench.servers import free_port, serving
from bot.clock import SystemClock
from bot.content import load_library, shipped_content_root
from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.events import CommandInvoked
from bot.features import build_bot
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store.engine import Database
from bot.store.migrate import upgrade
from bot.store.models import Channel
from scheduler import runner

CHANNELS = 1_000
CAP = 20
DEADLINE_S = 240.0
QUIET_S = 15.0  # after the last channel's first post, keep watching for late duplicates
SPACE = SpaceRef("slack", "T0BENCH", "bench")
ADMIN = MemberRef(SPACE, "U0ADMIN", "ada", is_admin=True)


async def _schedule_all(ctx: ServiceContext, minute: str) -> None:
    bot = build_bot(ctx)
    port = NullPort()
    pending = list(range(CHANNELS))

    async def worker() -> None:
        while pending:
            n = pending.pop()
            channel = ChannelRef(SPACE, f"C{n:05d}", f"room-{n}")
            command = CommandInvoked(f"schedule-{n}", channel, ADMIN, "schedule", (minute, "UTC", "daily"))
            await bot.handle(command, port)

    await asyncio.gather(*(worker() for _ in range(4)))
    async with ctx.db.unit() as session:
        await session.execute(update(Channel).values(schedule_from=ctx.clock.now() - dt.timedelta(hours=1)))


async def _stats(http: aiohttp.ClientSession, base: str) -> tuple[list[tuple[str, float]], int]:
    async with http.get(f"{base}/stats") as response:
        data = await response.json()
    return [(str(c), float(t)) for c, t in data["posts"]], int(data["rejected"])


async def run() -> list[Result]:
    # APScheduler warns each time a 5 s tick is skipped because the previous one is still posting.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="prepbot-bench-") as tmp:
        folder = Path(tmp)
        db = Database(f"sqlite+aiosqlite:///{folder / 'prepbot.db'}")
        await upgrade(db)
        ctx = ServiceContext(
            db=db, library=load_library([shipped_content_root()]), clock=SystemClock(), settings=Settings()
        )
        minute = f"{ctx.clock.now():%H:%M}"
        setup_started = time.monotonic()
        await _schedule_all(ctx, minute)
        setup_s = time.monotonic() - setup_started

        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PREPBOT_PORT": str(free_port()), "PYTHONPATH": root}
        command = [sys.executable, "-m", "bench.capped_slack", env["PREPBOT_PORT"], str(CAP)]
        async with serving(command, env, folder / "fake.log") as fake, aiohttp.ClientSession() as http:
            await fake.healthy()
            bot = build_bot(ctx)
            port = SlackPort(make_client("xoxb-bench", f"{fake.base}/api/"))
            fired = time.time()
            handle = await runner.start(bot, port, tick_seconds=1.0, catch_up=False)
            try:
                deadline = time.monotonic() + DEADLINE_S
                complete_at: float | None = None
                while time.monotonic() < deadline:
                    await asyncio.sleep(0.5)
                    posts, _ = await _stats(http, fake.base)
                    if complete_at is None and len({c for c, _ in posts}) >= CHANNELS:
                        complete_at = time.monotonic()
                    if complete_at is not None and time.monotonic() - complete_at > QUIET_S:
                        break
            finally:
                await handle.stop()
            posts, rejected = await _stats(http, fake.base)
        async with db.unit() as session:
            retaken = (
                await session.execute(text("SELECT COUNT(*) FROM promptpost WHERE attempts > 1"))
            ).scalar_one()
        await db.dispose()

    per_channel = Counter(c for c, _ in posts)
    duplicates = sum(n - 1 for n in per_channel.values() if n > 1)
    losses = CHANNELS - len(per_channel)
    times: dict[str, list[float]] = {}
    for channel, at in posts:
        times.setdefault(channel, []).append(at)
    first_posts = sorted(min(ts) for ts in times.values())
    gaps = [max(ts) - min(ts) for ts in times.values() if len(ts) > 1]
    elapsed = (first_posts[-1] - fired) if first_posts else float("inf")
    achieved = len(first_posts) / elapsed if first_posts else 0.0
    note = (
        f"one tick; duplicates {duplicates}, losses {losses}"
        + (f" (second copy {min(gaps):.1f}-{max(gaps):.1f} s after the first)" if gaps else "")
        + "; "
        f"{retaken} send leases taken twice; all posted in {elapsed:.1f} s, {rejected} answered 429; "
        f"setup {setup_s:.1f} s"
    )
    return [
        Result(
            f"fan-out posts/s, {CHANNELS} channels, cap {CAP}/s",
            achieved,
            CAP,
            "/s",
            higher_is_better=True,
            note=note,
        )
    ]
