"""A send that outlasts its lease keeps it; a crashed sender's lease still runs out."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.clock import SystemClock
from bot.domain import ChannelRef, SpaceRef
from bot.services.context import ServiceContext
from bot.services.leases import kept_alive, kept_alive_many
from bot.store import fanout
from bot.store import prompt_transitions as transitions
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
        return await transitions.take_send_lease(session, prompt_id=prompt_id, now=now, until=now + LEASE)


async def test_a_slow_send_keeps_its_lease_and_a_dead_one_loses_it(ctx: ServiceContext) -> None:
    ctx.clock = SystemClock()
    prompt_id = await _claimed(ctx)
    now = dt.datetime.now(dt.UTC)
    async with ctx.db.unit() as session:
        assert await transitions.take_send_lease(session, prompt_id=prompt_id, now=now, until=now + LEASE)
    stolen = []
    async with kept_alive(ctx, prompt_id=prompt_id, until=now + LEASE, length=LEASE):
        for _ in range(12):  # 1.8 s: three lease lengths of a send waiting out 429s
            await asyncio.sleep(0.15)
            stolen.append(await _take(ctx, prompt_id))
    assert not any(stolen)
    # The sender is gone (no more renewals): its lease runs out and the work can be taken over.
    await asyncio.sleep(LEASE.total_seconds() + 0.2)
    assert await _take(ctx, prompt_id)


async def test_leases_taken_together_are_kept_together_until_each_is_recorded(ctx: ServiceContext) -> None:
    ctx.clock = SystemClock()
    async with ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=ChannelRef(SpaceRef("slack", "T1"), "C1"))
        assert channel.id is not None
        ids = []
        for key in ("d1", "d2", "d3"):
            post = await store.claim(
                session, space_id=channel.space_id, channel_id=channel.id, scenario_id="x", delivery_key=key
            )
            assert post.id is not None
            ids.append(post.id)
    now = dt.datetime.now(dt.UTC)
    async with ctx.db.unit() as session:
        taken = await fanout.take_send_leases(session, prompt_ids=ids, now=now, until=now + LEASE)
    assert [p.id for p, _, _ in taken] == ids
    stolen = []
    async with kept_alive_many(ctx, prompt_ids=ids, until=now + LEASE, length=LEASE):
        async with ctx.db.unit() as session:  # the first one is sent and recorded at once
            await fanout.mark_posted(
                session, posts=[{"prompt_id": ids[0], "message_id": "1", "posted_at": now, "closes_at": now}]
            )
        for _ in range(12):  # 1.8 s: three lease lengths of sends waiting out 429s
            await asyncio.sleep(0.15)
            stolen += [await _take(ctx, i) for i in ids[1:]]
    assert not any(stolen)
    await asyncio.sleep(LEASE.total_seconds() + 0.2)
    # The sender is gone: the unrecorded posts can be taken over; the recorded one is done for good.
    assert [await _take(ctx, i) for i in ids] == [False, True, True]
