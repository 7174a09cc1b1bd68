"""Slots for public posts a member can trigger: a fixed number per window, claimed by insert.

A limit of N posts per window is N numbered keys for that window; taking one is an
insert that the unique (space, key) index lets through once. So two replicas, or
a hundred requests at once, never take more than N, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.store.models import PostSlot
from bot.store.sql import insert_ignore


def window_start(now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    """The start of the fixed window holding ``now`` (windows are aligned on the epoch)."""
    seconds = int(window.total_seconds())
    stamp = int(now.timestamp())
    return dt.datetime.fromtimestamp(stamp - stamp % seconds, tz=dt.UTC)


async def take(
    session: AsyncSession, *, space_id: int, scope: str, limit: int, window: dt.timedelta, now: dt.datetime
) -> bool:
    """Take one of ``limit`` slots of ``scope`` in the current window; False when all are taken."""
    start = window_start(now, window).isoformat(timespec="minutes")
    for number in range(1, limit + 1):
        key = f"{scope}:{start}:{number}"[:200]
        if await insert_ignore(session, PostSlot, space_id=space_id, key=key, created_at=now):
            return True
    return False


async def prune(session: AsyncSession, *, before: dt.datetime) -> int:
    """Forget slots of windows long past."""
    result = await session.execute(delete(PostSlot).where(col(PostSlot.created_at) < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
