"""APScheduler wiring: the tick that fires all scheduled work, started next to the bot.

Usage, inside the running event loop, once the platform client can post::

    handle = await scheduler.runner.start(bot, port)
    ...
    await handle.stop()

``start`` does two things:

1. catch-up: one ``bot.tick(port)`` at once, which does everything due within
   ``settings.catch_up_hours`` (a restart at posting time neither skips nor repeats
   a post, a reveal, a plan or a round);
2. a periodic job calling ``bot.tick(port)`` every ``tick_seconds`` (5 s).

**Decision: the tick alone fires the work; there are no per-channel cron jobs.**
Every kind of scheduled work (daily prompts, reveals, reminders, pairing rounds,
plans, readiness reports, quiz and challenge timeouts) asks ``bot.schedule.due``
on each tick whether its local time has come, in the channel's or member's zone.
The alternative prepbot used to run beside the tick, one APScheduler ``CronTrigger``
per scheduled channel, kept in step with the database by rebuilds and a periodic
sync while the tick still posted as a safety net, meant two mechanisms for one
post, a second idea of daylight saving (a cron fires an overlapping 01:30 twice),
and a scheduler reading the store. The tick alone gives all of it:

- *at its minute*: a 5 s tick posts within 5 s of the minute (the contract allows
  20 s), and never before it, because ``due`` never answers an occurrence in the future;
- *a schedule change takes effect at once, in every process*: the tick reads the
  schedules from the database each time, so nothing needs rebuilding or syncing;
- *a fan-out*: ``prompts.post_due`` sends the due claims with a pool of workers,
  paced by the platform, as the cron jobs (one task per channel) did;
- *exactly once* never came from APScheduler: it comes from the database (claims
  keyed by local date, send leases), so any number of processes may run this.

APScheduler still drives the interval (``coalesce`` and ``max_instances=1``: a tick
still running when the next is due is not doubled; the next one picks up the rest).
This module imports nothing from ``bot.store``: it only says *when*.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import time
from dataclasses import dataclass, field

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.logs import log_context
from bot.ports import ChatPort
from bot.router import Prepbot

log = logging.getLogger(__name__)

TICK_JOB, CATCH_UP_JOB = "prepbot:tick", "prepbot:catch-up"
STOP_GRACE_SECONDS = 10.0


@dataclass
class SchedulerHandle:
    """A running scheduler for one bot and one port; ``stop()`` ends it."""

    bot: Prepbot
    port: ChatPort
    scheduler: AsyncIOScheduler
    _running: set[asyncio.Task[object]] = field(default_factory=set)

    async def catch_up(self) -> None:
        """Do whatever is due now (what a restart missed, within the catch-up window)."""
        await self._guarded(job=CATCH_UP_JOB)

    async def stop(self) -> None:
        """Stop firing, let a tick in flight finish (briefly), and shut the scheduler down."""
        if self.scheduler.running:
            self.scheduler.pause()
            if self._running:
                await asyncio.wait(set(self._running), timeout=STOP_GRACE_SECONDS)
            self.scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # shutdown runs on the loop's next turn

    async def _tick(self) -> None:
        await self._guarded(job=TICK_JOB)

    async def _guarded(self, *, job: str) -> None:
        # A failed tick logs and carries on: one bad run must not stop the schedule. Its
        # lines carry the job id (and, inside, the space and channel each post is about).
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            with log_context(job=job):
                await self.bot.tick(self.port)
        except Exception:
            log.exception("scheduled job %s failed", job)
        finally:
            if task is not None:
                self._running.discard(task)


def _overlap_filter(record: logging.LogRecord) -> bool:
    """Drop APScheduler's warning that a run was skipped because the last one still runs.

    ``max_instances=1`` is the design (a long fan-out under 429s outlasts many 5 s
    ticks; the next tick after it picks up what is due), not a fault to warn about
    every 5 seconds.
    """
    return "maximum number of running instances reached" not in record.getMessage()


async def start(
    bot: Prepbot, port: ChatPort, *, tick_seconds: float = 5.0, catch_up: bool = True
) -> SchedulerHandle:
    """Start the scheduler on the running loop; see the module docstring. Returns a handle to stop it."""
    scheduler = AsyncIOScheduler(
        timezone=dt.UTC,
        # A late run (a busy loop, a suspended laptop) still runs once; `due` decides what is due.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    handle = SchedulerHandle(bot, port, scheduler)
    logging.getLogger("apscheduler.scheduler").addFilter(_overlap_filter)
    scheduler.start()
    if catch_up:
        await handle.catch_up()
    # Ticks fall on whole multiples of the interval (a 5 s tick at :00, :05 …), so work due
    # at a minute goes out at that minute rather than up to one interval after it.
    first = dt.datetime.fromtimestamp(math.ceil(time.time() / tick_seconds) * tick_seconds, dt.UTC)
    trigger = IntervalTrigger(seconds=tick_seconds, start_date=first, timezone=dt.UTC)
    scheduler.add_job(handle._tick, trigger, id=TICK_JOB)
    return handle
