"""Keyed claims: scheduled work done once per period, and forgetting claims no retry can need.

A daily claim is one insert against the unique (space, kind, key) index, so two
processes ticking at once, or a tick repeated after a restart, leave one winner.
Inbound deliveries (commands, clicks, events) are claimed in ``Delivery`` instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Integer, String, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from sqlmodel.sql.sqltypes import UTCDateTime

from bot.store.enums import DailyKind
from bot.store.models import DailyClaim, Delivery
from bot.store.sql import Rows, insert_ignore


async def claim_daily(
    session: AsyncSession, *, space_id: int, kind: DailyKind, key: str, at: dt.datetime
) -> bool:
    """Claim the ``kind`` work named ``key`` (its subject and period); True only for the one winner.

    ``at`` is the service clock's time, which housekeeping later prunes by.
    """
    return await insert_ignore(
        session, DailyClaim, space_id=space_id, kind=kind, key=key[:200], created_at=at
    )


async def prune(session: AsyncSession, *, before: dt.datetime) -> int:
    """Forget delivery claims and daily claims made before ``before``; returns how many deliveries went.

    By then no platform retries the delivery, and the daily key names a past period.
    """
    result = await session.execute(delete(Delivery).where(col(Delivery.created_at) < before))
    await session.execute(delete(DailyClaim).where(col(DailyClaim.created_at) < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_DELIVERIES = Rows("d", (("space_id", Integer()), ("key", String()), ("created_at", UTCDateTime())))
# Sorted rows: two replicas claiming the same deliveries take them in one order (no deadlock).
_CLAIM_DELIVERIES = (
    "INSERT INTO delivery (space_id, key, created_at) SELECT space_id, key, created_at FROM d "
    "WHERE true ORDER BY space_id, key ON CONFLICT DO NOTHING RETURNING space_id, key"
)


async def claim_deliveries(
    session: AsyncSession, *, claims: Sequence[tuple[int, str, dt.datetime]]
) -> set[tuple[int, str]]:
    """Record many deliveries (space id, key, time) at once; returns those not recorded before.

    One statement for a batch of clicks sharing a transaction (``bot.store.shared``);
    the unique (space, key) index leaves a re-delivered one out, as for one claim.
    """
    rows = [(space, key[:200], at) for space, key, at in claims]
    return {(int(s), str(k)) for s, k in (await _DELIVERIES.run(session, _CLAIM_DELIVERIES, rows)).all()}
