"""Keeping a send lease alive while a slow send is still going.

A lease says "this process is sending this post": short, so that after a crash
another process takes the work over quickly. A live send can outlast it, though,
when the platform answers 429 and the port waits; without renewal a second
process would take the expired lease and post the same thing again. So while
the send runs, the holder extends its lease every third of its length, and only
as long as nobody else has taken it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator

from bot.services.context import ServiceContext
from bot.store import prompts as store

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def kept_alive(
    ctx: ServiceContext, *, prompt_id: int, until: dt.datetime, length: dt.timedelta
) -> AsyncIterator[None]:
    """Renew the lease on ``prompt_id`` (held until ``until``) while the body runs."""

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
                    if not await store.renew_lease(session, prompt_id=prompt_id, held_until=held, until=new):
                        log.warning("lost the lease on prompt %s while sending", prompt_id)
                        return
            except Exception:
                log.warning("could not renew the lease on prompt %s; retrying", prompt_id, exc_info=True)
                continue
            held = new

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        # Stop between renewals, never by cancelling one: a renewal cancelled while its
        # connection is checked out leaves SQLAlchemy's pool to log a CancelledError.
        done.set()
        await task
