"""The leased send: how a public post the bot makes on its own is sent exactly once.

A daily prompt's post and its digest are claimed rows before anything is sent
(``bot.store.prompt_transitions``); several processes, and every tick of each, may then
try to send them. :func:`take` and :func:`send` are the one sequence both use:

1. *take the lease*: one conditional UPDATE makes this process the row's one
   sender until ``until``, and, in the same transaction, loads what the send needs;
2. *send*, renewing the lease while the send runs (:func:`kept_alive`);
3. *record* what was sent (the message id, the reveal) in one transaction, or on
   failure either *give up for good* (a channel only a person can fix: the row is
   marked undeliverable and, for scheduled work, the channel's schedule pauses) or
   *free the lease* so the next tick retries at once.

A lease is short, so that after a crash another process takes the work over
quickly. A live send can outlast it, though, when the platform answers 429 and
the port waits; without renewal a second process would take the expired lease and
post the same thing again. So while the send runs, the holder extends its lease
every third of its length, and only as long as nobody else has taken it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.ports import Undeliverable
from bot.services.context import ServiceContext
from bot.services.delivery import CHANNEL_GONE, METRIC, pause_channel
from bot.store import fanout as fan
from bot.store import prompt_transitions as store

if TYPE_CHECKING:
    from bot.ports import ChatPort

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class Taker(Protocol):
    """A store function that atomically takes a lease: ``store.take_send_lease`` or ``take_reveal_lease``."""

    async def __call__(
        self, session: AsyncSession, *, prompt_id: int, now: dt.datetime, until: dt.datetime
    ) -> bool: ...


@dataclass(frozen=True)
class Lease:
    """This process is the one sender of ``prompt_id`` until ``until`` (renewed by ``length``)."""

    prompt_id: int
    taken_at: dt.datetime
    until: dt.datetime
    length: dt.timedelta


@dataclass(frozen=True)
class Failed:
    """A send that did not arrive: ``undeliverable`` (given up for good) or ``failed`` (retried)."""

    outcome: Literal["failed", "undeliverable"]


async def take(
    ctx: ServiceContext,
    *,
    prompt_id: int,
    length: dt.timedelta,
    taker: Taker,
    load: Callable[[AsyncSession], Awaitable[T]],
) -> tuple[Lease, T] | None:
    """Take the lease and load what the send needs, in one transaction; None when someone holds it."""
    now = ctx.clock.now()
    until = now + length
    async with ctx.db.unit() as session:
        if not await taker(session, prompt_id=prompt_id, now=now, until=until):
            return None
        loaded = await load(session)
    return Lease(prompt_id, now, until, length), loaded


async def send(
    ctx: ServiceContext,
    port: ChatPort,
    lease: Lease,
    work: Callable[[], Awaitable[R]],
    record: Callable[[AsyncSession, R], Awaitable[None]],
    *,
    channel_id: int | None,
    scheduled: bool,
) -> R | Failed:
    """Run ``work`` under the lease, then ``record`` its result; on failure give up or free the lease.

    ``scheduled`` says the tick (not a person's command) asked for it: giving up
    then pauses the channel's schedule and tells its setter, once.
    """
    try:
        async with kept_alive(ctx, prompt_id=lease.prompt_id, until=lease.until, length=lease.length):
            result = await work()
    except Exception as exc:
        outcome = await failed(
            ctx, port, exc, prompt_id=lease.prompt_id, channel_id=channel_id, scheduled=scheduled
        )
        return Failed(outcome)
    async with ctx.db.unit() as session:
        await record(session, result)
    return result


async def give_up(
    ctx: ServiceContext,
    port: ChatPort,
    *,
    prompt_id: int,
    channel_id: int | None,
    reason: str,
    scheduled: bool,
) -> None:
    """A post or digest the channel cannot take until a person acts: stop retrying it.

    For scheduled work the channel's schedule pauses and its setter hears it once;
    a command's own post is answered to whoever ran it instead.
    """
    log.warning("prompt %s cannot be delivered (%s); not retrying", prompt_id, reason)
    ctx.metrics.inc(METRIC, reason=reason)
    async with ctx.db.unit() as session:
        await store.mark_undeliverable(session, prompt_id=prompt_id, reason=reason)
    if scheduled and channel_id is not None:
        await pause_channel(ctx, port, channel_id=channel_id, reason=reason)


async def failed(
    ctx: ServiceContext,
    port: ChatPort,
    exc: Exception,
    *,
    prompt_id: int,
    channel_id: int | None,
    scheduled: bool,
) -> Literal["undeliverable", "failed"]:
    """After a send failed: give up for good, or free the lease for the next tick's retry."""
    if isinstance(exc, Undeliverable) and exc.reason in CHANNEL_GONE:
        await give_up(
            ctx, port, prompt_id=prompt_id, channel_id=channel_id, reason=exc.reason, scheduled=scheduled
        )
        return "undeliverable"
    log.exception("sending for prompt %s failed; the next tick retries it", prompt_id)
    async with ctx.db.unit() as session:
        await store.release_lease(session, prompt_id=prompt_id, reason=f"{type(exc).__name__}: {exc}")
    return "failed"


# True: renewed; False: lost (``renewing`` says so); None: nothing left to renew, the holder logged why.
Renew = Callable[[AsyncSession, dt.datetime, dt.datetime], Awaitable[bool | None]]


@contextlib.asynccontextmanager
async def kept_alive(
    ctx: ServiceContext, *, prompt_id: int, until: dt.datetime, length: dt.timedelta
) -> AsyncIterator[None]:
    """Renew the lease on ``prompt_id`` (held until ``until``) while the body runs."""

    async def renew(session: AsyncSession, held: dt.datetime, new: dt.datetime) -> bool:
        return await store.renew_lease(session, prompt_id=prompt_id, held_until=held, until=new)

    async with renewing(ctx, renew, until=until, length=length, what=f"prompt {prompt_id}"):
        yield


@contextlib.asynccontextmanager
async def kept_alive_many(
    ctx: ServiceContext, *, prompt_ids: list[int], until: dt.datetime, length: dt.timedelta
) -> AsyncIterator[None]:
    """:func:`kept_alive` for leases taken together: one UPDATE renews all still held.

    A post recorded (or freed, or given up) meanwhile clears its lease and is no longer
    renewed; once none is left, renewal stops quietly. Only a lease another process
    took over is reported lost, counted and named by id.
    """
    held = set(prompt_ids)

    async def renew(session: AsyncSession, old: dt.datetime, new: dt.datetime) -> bool | None:
        kept = await fan.renew_leases(session, prompt_ids=sorted(held), held_until=old, until=new)
        missed = sorted(held - kept)
        lost = sorted(await fan.leased_now(session, prompt_ids=missed)) if missed else []
        held.intersection_update(kept)
        if lost:
            ids = ", ".join(map(str, lost))
            log.warning(
                "lost the lease on %d of %d prompts while sending (taken over): %s",
                len(lost),
                len(prompt_ids),
                ids,
            )
        return True if held else None

    async with renewing(ctx, renew, until=until, length=length, what=f"{len(prompt_ids)} prompts"):
        yield


@contextlib.asynccontextmanager
async def renewing(
    ctx: ServiceContext,
    renew_once: Renew,
    *,
    until: dt.datetime,
    length: dt.timedelta,
    what: str,
    renewed_to: Callable[[dt.datetime], None] | None = None,
) -> AsyncIterator[None]:
    """Call ``renew_once(session, held_until, new_until)`` every third of ``length`` while the body
    runs (any leased send: prompts here, once-a-day messages in ``bot.services.sent_once``).

    ``renewed_to`` hears each new ``held_until`` once its renewal has committed (a renewal
    whose commit failed never moved the lease)."""
    done = asyncio.Event()

    async def renew() -> None:
        held = until
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), length.total_seconds() / 3)
            if done.is_set():
                return
            new = ctx.clock.now() + length
            try:
                async with ctx.db.unit() as session:
                    renewed = await renew_once(session, held, new)
                if renewed is None:
                    return
                if not renewed:
                    log.warning("lost the lease on %s while sending", what)
                    return
            except Exception:
                log.warning("could not renew the lease on %s; retrying", what, exc_info=True)
                continue
            held = new
            if renewed_to is not None:
                renewed_to(held)

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        # Stop between renewals, never by cancelling one: a renewal cancelled while its
        # connection is checked out leaves SQLAlchemy's pool to log a CancelledError.
        done.set()
        await task
