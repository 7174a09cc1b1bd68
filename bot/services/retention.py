"""The daily data job: answers and votes past their retention, and removed spaces past their window.

Two settings decide what goes: ``PREPBOT_ANSWER_RETENTION_DAYS`` (unset: answers and
votes are kept) and ``PREPBOT_UNINSTALL_RETENTION_DAYS`` (30: how long a space the
app was removed from keeps its data, in case it is installed again).

Once per UTC day and space, the work is claimed in ``DailyClaim`` (kinds
``retention`` and ``purge``, key the date), so two replicas never both do it. The
claimant works through it in batches of ``PREPBOT_DELETE_BATCH`` rows, one
transaction each, a few batches per tick, so a large backlog never holds up the
tick's scheduled posts; a process that stops midway leaves the rest to the next
day's claim. Each purge batch first checks the space is still uninstalled, so a
reinstall stops it (what went by then stays gone).

For a caller that wants it done now (an operator, an end-to-end test):
:func:`purge_space` and :func:`purge_due` run to the end.
"""

from __future__ import annotations

import datetime as dt
import logging
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from bot.feature import Feature
from bot.services.context import ServiceContext
from bot.store import retention as store
from bot.store.claims import claim_daily
from bot.store.enums import DailyKind

if TYPE_CHECKING:
    from bot.ports import ChatPort
    from bot.store.engine import Database

log = logging.getLogger(__name__)

SCAN_EVERY = dt.timedelta(hours=1)  # a space that became due mid-day is claimed within the hour
BATCHES_PER_TICK = 10

Kind = Literal["retention", "purge"]


@dataclass
class _Work:
    """This process's claimed jobs, and when it last looked for new ones."""

    scanned: dt.datetime | None = None
    pending: list[tuple[Kind, int]] = field(default_factory=list)


def _window(ctx: ServiceContext) -> dt.datetime:
    return ctx.clock.now() - dt.timedelta(days=ctx.settings.uninstall_retention_days)


async def step(ctx: ServiceContext, kind: Kind, space_id: int) -> bool:
    """One batch of one job in its own transaction; True when the job is finished."""
    now, limit = ctx.clock.now(), ctx.settings.delete_batch
    async with ctx.db.unit() as session:
        if kind == "purge":
            n = await store.purge_batch(
                session, space_id=space_id, uninstalled_before=_window(ctx), limit=limit, now=now
            )
            if n == 0:
                log.info("deleted the data of removed space row %s", space_id)
            return not n
        days = ctx.settings.answer_retention_days
        if days is None:
            return True
        before = now - dt.timedelta(days=days)
        return not await store.expire_answers(session, space_id=space_id, before=before, limit=limit)


async def purge_space(ctx: ServiceContext, *, space_id: int) -> bool:
    """Delete all of an uninstalled space's data now, batch by batch; False when it is not due.

    Not due: still installed, reinstalled, or removed less than the window ago.
    """
    now, limit = ctx.clock.now(), ctx.settings.delete_batch
    while True:
        async with ctx.db.unit() as session:
            n = await store.purge_batch(
                session, space_id=space_id, uninstalled_before=_window(ctx), limit=limit, now=now
            )
        if n is None:
            return False
        if n == 0:
            return True


async def purge_due(ctx: ServiceContext) -> list[int]:
    """Purge every space whose uninstall window has passed, now; the space row ids purged."""
    async with ctx.db.unit() as session:
        due = await store.spaces_to_purge(session, uninstalled_before=_window(ctx))
    return [space_id for space_id in due if await purge_space(ctx, space_id=space_id)]


async def claim_today(ctx: ServiceContext) -> list[tuple[Kind, int]]:
    """Find the spaces with work and claim each for today; the jobs this process won."""
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        found: list[tuple[Kind, int]] = [
            ("purge", s) for s in await store.spaces_to_purge(session, uninstalled_before=_window(ctx))
        ]
        days = ctx.settings.answer_retention_days
        if days is not None:
            before = now - dt.timedelta(days=days)
            found += [
                ("retention", s) for s in await store.spaces_with_expired_answers(session, before=before)
            ]
    won: list[tuple[Kind, int]] = []
    for kind, space_id in found:
        daily = DailyKind.PURGE if kind == "purge" else DailyKind.RETENTION
        async with ctx.db.unit() as session:
            if await claim_daily(session, space_id=space_id, kind=daily, key=now.date().isoformat(), at=now):
                won.append((kind, space_id))
    return won


class DataKeeper:
    """Tick: claims the day's jobs (looking at most hourly) and runs a few batches per tick.

    One instance is declared in the feature table and shared by every core the
    process builds (tests build many), so it keeps its work per database.
    """

    def __init__(self, batches_per_tick: int = BATCHES_PER_TICK) -> None:
        self.batches_per_tick = batches_per_tick
        self.work: weakref.WeakKeyDictionary[Database, _Work] = weakref.WeakKeyDictionary()

    async def __call__(self, ctx: ServiceContext, port: ChatPort) -> None:
        work = self.work.setdefault(ctx.db, _Work())
        now = ctx.clock.now()
        if work.scanned is None or now - work.scanned >= SCAN_EVERY or work.scanned.date() != now.date():
            work.scanned = now
            work.pending += [job for job in await claim_today(ctx) if job not in work.pending]
        for _ in range(self.batches_per_tick):
            if not work.pending:
                return
            kind, space_id = work.pending[0]
            try:
                finished = await step(ctx, kind, space_id)
            except Exception:
                # One space's trouble never holds back the others; its next claim tries again.
                log.exception("the %s job of space row %s failed", kind, space_id)
                finished = True
            if finished:
                work.pending.pop(0)


FEATURE = Feature("retention", ticks=(DataKeeper(),))
