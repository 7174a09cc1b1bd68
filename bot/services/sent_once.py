"""Scheduled messages sent once and not lost: a daily claim that is also a send lease.

The morning plan, the lonely-pairing note and the weekly readiness report are
claimed per period (``DailyClaim``) so that however many processes tick, one
sends. Claiming alone made them at-most-once: a send that failed on a 5xx, a
timeout or a rate limit the adapter gave up waiting out lost the period's message.
:func:`send_once` follows the leased send of prompts and digests
(:mod:`bot.services.leases`), on the claim's own row:

1. *take*: the first claim, or a retry of an unsent one, holds a short lease and
   counts the attempt (``bot.store.claims.take_daily_send``), in one statement;
2. *send*, renewing the lease while the send runs (a 429 the port waits out can
   outlast it; an expired lease would let another process send the same message);
3. *record*: sent; or given up for good when the platform says only a person can
   fix it (``Undeliverable``: DMs closed, member gone, ``not_in_channel``), or after
   :data:`ATTEMPTS` attempts; or held off for a back-off so a later tick retries.

A retry happens only while the caller still finds the work due (the catch-up
window of its local time): the key names the local day or week, so a message
missed today is never sent tomorrow.

What is left: the record is its own transaction after the send. A process that dies
between a send the platform accepted and that record (or a database that refuses the
record) leaves the lease to lapse, and a later tick sends again: at least once in that
window. The plan DM carries an idempotency key (Discord's nonce finds the first copy);
the lonely note and the readiness report do not yet look for an earlier copy as the
prompt fan-out does (``find_posted``). During a rolling upgrade to 0018, a claim made
by a replica still on the old code has no ``sent_at`` and may be sent once more.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import Undeliverable
from bot.services.context import ServiceContext
from bot.services.delivery import METRIC
from bot.services.leases import renewing
from bot.store import claims
from bot.store.enums import DailyKind

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=20)
# Five sends at most, the retries 1, 2, 4 and 8 minutes apart: well inside the
# hour-long (at least) catch-up window in which callers find the work due.
ATTEMPTS = 5
BACKOFF = dt.timedelta(minutes=1)
GAVE_UP = "error"

Outcome = Literal["sent", "held", "retry", "given_up"]


async def send_once(
    ctx: ServiceContext,
    *,
    space_id: int,
    kind: DailyKind,
    key: str,
    work: Callable[[], Awaitable[object]],
) -> Outcome:
    """Run ``work`` (the send) once for the claim ``kind``/``key`` unless it was sent or given up.

    ``held``: nothing to do now (sent, given up, or held by another sender or a
    back-off). ``retry``: a transient failure, retried on a later tick.
    ``given_up``: for good (counted in ``prepbot_undeliverable_total``, as every failed send is).
    """
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        taken = await claims.take_daily_send(
            session, space_id=space_id, kind=kind, key=key, now=now, until=now + LEASE, attempts=ATTEMPTS
        )
    if taken is None:
        return "held"
    claim_id, attempt = taken
    try:
        async with _kept_alive(ctx, claim_id=claim_id, until=now + LEASE):
            await work()
    except Undeliverable as exc:
        ctx.metrics.inc(METRIC, reason=exc.reason)
        log.info("%s message %s undeliverable (%s); not retrying", kind, claim_id, exc.reason)
        async with ctx.db.unit() as session:
            await claims.daily_failed(session, claim_id=claim_id, failure=exc.reason, retry_at=None)
        return "given_up"
    except Exception:
        ctx.metrics.inc(METRIC, reason="error")
        last = attempt >= ATTEMPTS
        log.exception(
            "%s message %s failed (attempt %s of %s)%s",
            kind,
            claim_id,
            attempt,
            ATTEMPTS,
            "; giving up" if last else "; a later tick retries it",
        )
        retry_at = None if last else ctx.clock.now() + BACKOFF * 2 ** (attempt - 1)
        async with ctx.db.unit() as session:
            await claims.daily_failed(
                session, claim_id=claim_id, failure=GAVE_UP if last else "", retry_at=retry_at
            )
        return "given_up" if last else "retry"
    async with ctx.db.unit() as session:
        await claims.daily_sent(session, claim_id=claim_id, at=ctx.clock.now())
    return "sent"


def _kept_alive(
    ctx: ServiceContext, *, claim_id: int, until: dt.datetime
) -> contextlib.AbstractAsyncContextManager[None]:
    """Renew the lease on ``claim_id`` every third of :data:`LEASE` while the body runs."""

    async def renew(session: AsyncSession, held: dt.datetime, new: dt.datetime) -> bool:
        return await claims.renew_daily_send(session, claim_id=claim_id, held_until=held, until=new)

    return renewing(ctx, renew, until=until, length=LEASE, what=f"daily claim {claim_id}")
