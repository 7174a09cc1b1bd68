"""Housekeeping on the tick: forget delivery claims once no platform could retry them.

Every handled command, click and event leaves a Delivery row so a retry is
recognised. Slack retries within minutes and Discord re-sends within its
session, so a week is far beyond any retry; older rows only grow the table.
Daily claims (a plan's date, a report's week) name past periods by then, so
dropping them is safe too.
"""

from __future__ import annotations

import datetime as dt
import weakref
from typing import TYPE_CHECKING

from bot.feature import Feature
from bot.services.context import ServiceContext
from bot.store import claims, slots

if TYPE_CHECKING:
    from bot.ports import ChatPort
    from bot.store.engine import Database

KEEP = dt.timedelta(days=7)
EVERY = dt.timedelta(hours=1)


class Pruner:
    """Deletes old delivery claims at most once an hour in this process, per database.

    One Pruner is declared in the feature table and shared by every core the
    process builds (tests build many), so it remembers its last run per database.
    """

    def __init__(self) -> None:
        self.last: weakref.WeakKeyDictionary[Database, dt.datetime] = weakref.WeakKeyDictionary()

    async def __call__(self, ctx: ServiceContext, port: ChatPort) -> None:
        now = ctx.clock.now()
        last = self.last.get(ctx.db)
        if last is not None and now - last < EVERY:
            return
        self.last[ctx.db] = now
        await prune(ctx, before=now - KEEP)


async def prune(ctx: ServiceContext, *, before: dt.datetime) -> int:
    """Delete delivery claims made before ``before``; returns how many went."""
    async with ctx.db.unit() as session:
        pruned = await claims.prune(session, before=before)
        # Public-post slots only matter within their hour; a week is far past it.
        await slots.prune(session, before=before)
    return pruned


FEATURE = Feature("housekeeping", ticks=(Pruner(),))
