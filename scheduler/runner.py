"""APScheduler wiring: what the Slack and Discord ``serve`` commands start next to the bot.

Usage, inside the running event loop, once the platform client can post::

    handle = await scheduler.runner.start(bot, port)
    ...
    await handle.stop()

``start`` does four things:

1. catch-up: posts every scheduled prompt due within ``settings.catch_up_hours``
   (a restart at posting time neither skips nor repeats a post);
2. one ``CronTrigger`` per scheduled channel, in the channel's IANA time zone, that
   posts at its minute (rebuilt from the database now, whenever a schedule changes
   in this process, and every ``sync_seconds`` for changes made by other processes);
3. a periodic job calling ``bot.tick(port)`` every ``tick_seconds``: reveals, reminders,
   quiz timeouts, and a safety net for posts;
4. registers itself on ``bot.ctx.schedule_listeners``.

APScheduler only says *when*; exactly-once comes from the database (see
``bot.services.prompts.post_due``), so any number of processes may run this.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.logs import log_context
from bot.ports import ChatPort
from bot.router import Prepbot
from bot.schedule import Schedule, cron_day_of_week
from bot.services.prompts import post_due, schedule_of
from bot.store.prompts import scheduled_channels

log = logging.getLogger(__name__)

JOB_PREFIX = "prompt:"
TICK_JOB, SYNC_JOB = "prepbot:tick", "prepbot:sync"
STOP_GRACE_SECONDS = 10.0
POSTING_AT_ONCE = 8  # scheduled channels posting at the same time (below the database pool's size)


def trigger_for(schedule: Schedule) -> CronTrigger:
    """The cron trigger of a schedule: its minute, its weekdays, in its own time zone."""
    return CronTrigger(
        hour=schedule.time.hour,
        minute=schedule.time.minute,
        second=0,
        day_of_week=cron_day_of_week(schedule.weekdays),
        timezone=schedule.tz,
    )


@dataclass
class SchedulerHandle:
    """A running scheduler for one bot and one port; ``stop()`` ends it."""

    bot: Prepbot
    port: ChatPort
    scheduler: AsyncIOScheduler
    _specs: dict[str, Schedule] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _running: set[asyncio.Task[object]] = field(default_factory=set)
    _posting: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(POSTING_AT_ONCE))
    _stopping: bool = False

    async def rebuild(self) -> None:
        """Make the cron jobs match the schedules in the database."""
        async with self._lock:
            async with self.bot.ctx.db.unit() as session:
                rows = await scheduled_channels(session)
            wanted: dict[str, Schedule] = {}
            for channel, _space in rows:
                schedule = schedule_of(channel)
                if schedule is not None:
                    wanted[f"{JOB_PREFIX}{channel.id}"] = schedule
            for job_id in set(self._specs) - set(wanted):
                self.scheduler.remove_job(job_id)
                del self._specs[job_id]
            for job_id, schedule in wanted.items():
                if self._specs.get(job_id) == schedule:
                    continue
                self.scheduler.add_job(
                    self._post_channel,
                    trigger_for(schedule),
                    args=(int(job_id.removeprefix(JOB_PREFIX)),),
                    id=job_id,
                    replace_existing=True,
                )
                self._specs[job_id] = schedule

    async def catch_up(self) -> int:
        """Post whatever is due now (what a restart missed); returns how many were posted."""
        return await self._guarded(post_due(self.bot.ctx, self.port), job="prepbot:catch-up")

    async def stop(self) -> None:
        """Stop firing, let jobs in flight finish (briefly), and shut the scheduler down."""
        self._stopping = True
        if self.rebuild in self.bot.ctx.schedule_listeners:
            self.bot.ctx.schedule_listeners.remove(self.rebuild)
        if self.scheduler.running:
            self.scheduler.pause()
            if self._running:
                await asyncio.wait(set(self._running), timeout=STOP_GRACE_SECONDS)
            self.scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # shutdown runs on the loop's next turn

    def next_fire_time(self, channel_id: int) -> dt.datetime | None:
        job = self.scheduler.get_job(f"{JOB_PREFIX}{channel_id}")
        return job.next_run_time if job is not None else None

    async def _post_channel(self, channel_id: int) -> None:
        # Channels due at the same minute post a few at a time: a thousand jobs at once would
        # each hold a transaction and a send lease while they queue for the platform's rate limit.
        async with self._posting:
            if self._stopping:
                return  # the next start's catch-up posts it
            await self._guarded(
                post_due(self.bot.ctx, self.port, channel_ids=[channel_id]), job=f"{JOB_PREFIX}{channel_id}"
            )

    async def _tick(self) -> None:
        await self._guarded(self.bot.tick(self.port), job=TICK_JOB)

    async def _sync(self) -> None:
        await self._guarded(self.rebuild(), job=SYNC_JOB)

    async def _guarded(self, work: Awaitable[object], *, job: str) -> int:
        # Jobs log and carry on: one failed run must not stop the schedule. Their lines
        # carry the job id (and, inside, the space and channel each post is about).
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            with log_context(job=job):
                result = await work
            return result if isinstance(result, int) else 0
        except Exception:
            log.exception("scheduled job %s failed", job)
            return 0
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
    bot: Prepbot,
    port: ChatPort,
    *,
    tick_seconds: float = 5.0,
    sync_seconds: float = 60.0,
    catch_up: bool = True,
) -> SchedulerHandle:
    """Start the scheduler on the running loop; see the module docstring. Returns a handle to stop it."""
    scheduler = AsyncIOScheduler(
        timezone=dt.UTC,
        # A late run (a busy loop, a suspended laptop) still runs once; post_due decides if it is due.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    handle = SchedulerHandle(bot, port, scheduler)
    logging.getLogger("apscheduler.scheduler").addFilter(_overlap_filter)
    scheduler.start()
    await handle.rebuild()
    if catch_up:
        await handle.catch_up()
    scheduler.add_job(handle._tick, IntervalTrigger(seconds=tick_seconds), id=TICK_JOB)
    scheduler.add_job(handle._sync, IntervalTrigger(seconds=sync_seconds), id=SYNC_JOB)
    bot.ctx.schedule_listeners.append(handle.rebuild)
    return handle


async def stop(handle: SchedulerHandle) -> None:
    """Stop a scheduler started with :func:`start`."""
    await handle.stop()
