"""Keyed claims: scheduled work done once per period, and forgetting claims no retry can need.

A daily claim is one insert against the unique (space, kind, key) index, so two
processes ticking at once, or a tick repeated after a restart, leave one winner.
Inbound deliveries (commands, clicks, events) are claimed in ``Delivery`` instead.

A claim that is a message is also its send lease (:func:`take_daily_send`): it is
taken for one send at a time, then recorded as sent, given up, or left for a retry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Integer, String, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
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


def _lease_free(now: dt.datetime) -> ColumnElement[bool]:
    return or_(col(DailyClaim.lease_until).is_(None), col(DailyClaim.lease_until) <= now)


async def take_daily_send(
    session: AsyncSession,
    *,
    space_id: int,
    kind: DailyKind,
    key: str,
    now: dt.datetime,
    until: dt.datetime,
    attempts: int,
) -> tuple[int, int] | None:
    """Claim the ``kind`` message ``key`` (or take it back for a retry) and hold it until ``until``.

    Returns the claim's id and this attempt's number, or None when the message was
    sent or given up, ``attempts`` were used, or another sender (or a retry's
    back-off) holds it. The first claim is one insert against the unique key; a
    retry is one conditional UPDATE, so two processes never both win.
    """
    key = key[:200]
    where = and_(
        col(DailyClaim.space_id) == space_id, col(DailyClaim.kind) == kind, col(DailyClaim.key) == key
    )
    values = {"space_id": space_id, "kind": kind, "key": key, "created_at": now}
    first = await insert_ignore(session, DailyClaim, **values, lease_until=until, attempts=1)
    if not first:
        retry = await session.execute(
            update(DailyClaim)
            .where(
                where,
                col(DailyClaim.sent_at).is_(None),
                col(DailyClaim.failure) == "",
                col(DailyClaim.attempts) < attempts,
                _lease_free(now),
            )
            .values(lease_until=until, attempts=col(DailyClaim.attempts) + 1)
        )
        if not retry.rowcount:  # type: ignore[attr-defined]
            return None
    row = (await session.execute(select(col(DailyClaim.id), col(DailyClaim.attempts)).where(where))).one()
    return int(row[0]), int(row[1])


async def renew_daily_send(
    session: AsyncSession, *, claim_id: int, held_until: dt.datetime, until: dt.datetime
) -> bool:
    """Extend a send lease this process still holds (its expiry unchanged since it took it)."""
    result = await session.execute(
        update(DailyClaim)
        .where(col(DailyClaim.id) == claim_id, col(DailyClaim.lease_until) == held_until)
        .values(lease_until=until)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def daily_sent(session: AsyncSession, *, claim_id: int, at: dt.datetime) -> None:
    """The message arrived: no process sends it again."""
    await session.execute(
        update(DailyClaim).where(col(DailyClaim.id) == claim_id).values(sent_at=at, lease_until=None)
    )


async def daily_failed(
    session: AsyncSession, *, claim_id: int, failure: str, retry_at: dt.datetime | None
) -> None:
    """A send failed: given up for good (``failure`` set), or held off until ``retry_at``."""
    await session.execute(
        update(DailyClaim)
        .where(col(DailyClaim.id) == claim_id)
        .values(failure=failure[:40], lease_until=retry_at)
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


ClaimRow = tuple[int, str, dt.datetime]  # a delivery's claim to record: (space id, key, time)


async def record_claims(session: AsyncSession, *, claims: Sequence[ClaimRow | None]) -> list[bool]:
    """Record each claim given (None: nothing to record) in one statement; per entry, whether it is new.

    An entry without a claim counts as new: nothing says it was done before.
    """
    wanted = [c for c in claims if c is not None]
    new = await claim_deliveries(session, claims=wanted) if wanted else set()
    return [c is None or (c[0], c[1][:200]) in new for c in claims]


async def claim_deliveries(
    session: AsyncSession, *, claims: Sequence[tuple[int, str, dt.datetime]]
) -> set[tuple[int, str]]:
    """Record many deliveries (space id, key, time) at once; returns those not recorded before.

    One statement for a batch of clicks sharing a transaction (``bot.store.shared``);
    the unique (space, key) index leaves a re-delivered one out, as for one claim.
    """
    rows = [(space, key[:200], at) for space, key, at in claims]
    return {(int(s), str(k)) for s, k in (await _DELIVERIES.run(session, _CLAIM_DELIVERIES, rows)).all()}
