"""A send that outlasts its lease keeps it; a crashed sender's lease still runs out."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.clock import SystemClock
from bot.domain import ChannelRef, SpaceRef
from bot.services.context import ServiceContext
from bot.services.leases import kept_alive
from bot.store import prompts as store
from bot.store.tenants import ensure_channel

LEASE = dt.timedelta(seconds=0.6)


async def _claimed(ctx: ServiceContext) -> int:
    async with ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=ChannelRef(SpaceRef("slack", "T1"), "C1"))
        assert channel.id is not None
        post = await store.claim(
            session, space_id=channel.space_id, channel_id=channel.id, scenario_id="x", delivery_key="d1"
        )
    assert post.id is not None
    return post.id


async def _take(ctx: ServiceContext, prompt_id: int) -> bool:
    now = dt.datetime.now(dt.UTC)
    async with ctx.db.unit() as session:
        return await store.take_send_lease(session, prompt_id=prompt_id, now=now, until=now + LEASE)


async def test_a_slow_send_keeps_its_lease_and_a_dead_one_loses_it(ctx: ServiceContext) -> None:
    ctx.clock = SystemClock()
    prompt_id = await _claimed(ctx)
    now = dt.datetime.now(dt.UTC)
    async with ctx.db.unit() as session:
        assert await store.take_send_lease(session, prompt_id=prompt_id, now=now, until=now + LEASE)
    stolen = []
    async with kept_alive(ctx, prompt_id=prompt_id, until=now + LEASE, length=LEASE):
        for _ in range(12):  # 1.8 s: three lease lengths of a send waiting out 429s
            await asyncio.sleep(0.15)
            stolen.append(await _take(ctx, prompt_id))
    assert not any(stolen)
    # The sender is gone (no more renewals): its lease runs out and the work can be taken over.
    await asyncio.sleep(LEASE.total_seconds() + 0.2)
    assert await _take(ctx, prompt_id)
