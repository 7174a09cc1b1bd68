"""A send that outlasts its lease keeps it; a crashed sender's lease still runs out."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from adapters.console.chat import ConsoleChat
from bot.clock import ManualClock
from bot.domain import ChannelRef, MessageRef, SpaceRef
from bot.services import prompts
from bot.services.context import ServiceContext
from bot.services.leases import kept_alive, kept_alive_many, renewing
from bot.store import fanout
from bot.store import prompt_transitions as transitions
from bot.store import prompts as store
from bot.store.models import PromptPost
from bot.store.tenants import ensure_channel

LEASE = dt.timedelta(seconds=0.6)
PAST = LEASE + dt.timedelta(milliseconds=1)  # a clock moved this far is past a lease taken before


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
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        return await transitions.take_send_lease(session, prompt_id=prompt_id, now=now, until=now + LEASE)


async def _eventually(check: Callable[[], Awaitable[bool]]) -> None:
    """Wait (10 s at most) for what the renewal task does between its renewals."""
    for _ in range(100):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the renewal task never got there")


async def _leases(ctx: ServiceContext, ids: list[int]) -> list[dt.datetime | None]:
    async with ctx.db.unit() as session:
        rows = (await session.execute(select(PromptPost).where(col(PromptPost.id).in_(ids)))).scalars().all()
    held = {r.id: r.lease_until for r in rows}
    return [None if (at := held[i]) is None else at if at.tzinfo else at.replace(tzinfo=dt.UTC) for i in ids]


async def _kept_through_three_lease_lengths(ctx: ServiceContext, clock: ManualClock, ids: list[int]) -> None:
    """A send waiting out 429s: the clock passes the lease three times; each time a renewal keeps it."""
    for _ in range(3):
        clock.advance(PAST)  # the lease held so far has run out: only a renewal keeps the work
        later = clock.now() + LEASE

        async def renewed(later: dt.datetime = later) -> bool:
            return await _leases(ctx, ids) == [later] * len(ids)

        await _eventually(renewed)
        assert not any([await _take(ctx, i) for i in ids])


async def test_a_slow_send_keeps_its_lease_and_a_dead_one_loses_it(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    # The lease runs on the manual clock: a stalled renewal cannot let it run out, and the test
    # moves the clock only once the renewal it waits for is stored.
    prompt_id = await _claimed(ctx)
    now = clock.now()
    async with ctx.db.unit() as session:
        assert await transitions.take_send_lease(session, prompt_id=prompt_id, now=now, until=now + LEASE)
    async with kept_alive(ctx, prompt_id=prompt_id, until=now + LEASE, length=LEASE):
        await _kept_through_three_lease_lengths(ctx, clock, [prompt_id])
    # The sender is gone (no more renewals): its lease runs out and the work can be taken over.
    clock.advance(PAST)
    assert await _take(ctx, prompt_id)


async def _three_claimed(ctx: ServiceContext) -> list[int]:
    """Three prompts claimed for one channel (not yet leased): their ids, in order."""
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
    return ids


async def test_leases_taken_together_are_kept_together_until_each_is_recorded(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    ids = await _three_claimed(ctx)
    now = clock.now()
    async with ctx.db.unit() as session:
        taken = await fanout.take_send_leases(session, prompt_ids=ids, now=now, until=now + LEASE)
    assert [p.id for p, _, _ in taken] == ids
    async with kept_alive_many(ctx, prompt_ids=ids, until=now + LEASE, length=LEASE):
        async with ctx.db.unit() as session:  # the first one is sent and recorded at once
            await fanout.mark_posted(
                session, posts=[{"prompt_id": ids[0], "message_id": "1", "posted_at": now, "closes_at": now}]
            )
        await _kept_through_three_lease_lengths(ctx, clock, ids[1:])
        assert (await _leases(ctx, ids))[0] is None  # recorded: no longer renewed
    clock.advance(PAST)
    # The sender is gone: the unrecorded posts can be taken over; the recorded one is done for good.
    assert [await _take(ctx, i) for i in ids] == [False, True, True]


class SlowThreads(ConsoleChat):
    """A platform slow to open threads (Discord's thread route under its rate limit)."""

    async def open_thread(self, parent: MessageRef, name: str) -> MessageRef:
        await asyncio.sleep(LEASE.total_seconds() * 2)  # six renewals' worth, after every post is recorded
        return await super().open_thread(parent, name)


async def test_a_fan_out_whose_posts_are_all_recorded_never_says_it_lost_their_leases(
    ctx: ServiceContext, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(prompts, "SEND_LEASE", LEASE)
    posting = dt.datetime(2026, 1, 5, 9, 0, 5, tzinfo=dt.UTC)
    async with ctx.db.unit() as session:
        for n in range(3):
            channel = await ensure_channel(session, ref=ChannelRef(SpaceRef("slack", "T1"), f"C{n}"))
            channel.post_time, channel.schedule_from = "09:00", posting - dt.timedelta(days=1)
            session.add(channel)
    clock.set(posting)
    chat = SlowThreads()
    assert await prompts.post_due(ctx, chat) == 3
    assert "lost the lease" not in caplog.text  # recorded is not lost
    async with ctx.db.unit() as session:
        rows = (await session.execute(select(PromptPost))).scalars().all()
    assert [(r.status, r.lease_until) for r in rows] == [("open", None)] * 3


async def test_leases_taken_over_are_reported_by_count_and_id(
    ctx: ServiceContext, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    # The leases run on the manual clock, so a stalled renewal cannot let one run out: only
    # the renewals the test waits for move them.
    ids = await _three_claimed(ctx)
    now = clock.now()
    async with ctx.db.unit() as session:
        await fanout.take_send_leases(session, prompt_ids=ids, now=now, until=now + LEASE)

    async def reported() -> bool:
        return "lost the lease" in caplog.text

    async with kept_alive_many(ctx, prompt_ids=ids, until=now + LEASE, length=LEASE):
        async with ctx.db.unit() as session:  # the first is recorded; the second taken by another process
            await fanout.mark_posted(
                session, posts=[{"prompt_id": ids[0], "message_id": "1", "posted_at": now, "closes_at": now}]
            )
            await session.execute(
                update(PromptPost).where(col(PromptPost.id) == ids[1]).values(lease_until=now + 5 * LEASE)
            )
        await _eventually(reported)  # the next renewal notices
        # Past the lease taken at the start: the third is kept only by a renewal after the report,
        # which says nothing more.
        clock.advance(PAST)
        later = clock.now() + LEASE

        async def renewed_after() -> bool:
            return (await _leases(ctx, ids[2:])) == [later]

        await _eventually(renewed_after)
        assert not await _take(ctx, ids[2])  # the third is still kept
    lost = [r.getMessage() for r in caplog.records if "lost the lease" in r.getMessage()]
    assert lost == [f"lost the lease on 1 of 3 prompts while sending (taken over): {ids[1]}"]


async def test_a_renewal_is_heard_only_once_it_has_committed(ctx: ServiceContext) -> None:
    # A holder that must name its lease later (a challenge's failed post records its back-off
    # only under the lease it holds) learns the new lease from renewing, never from a renewal
    # whose transaction rolled back.
    tried: list[dt.datetime] = []

    async def renew_once(session: object, held: dt.datetime, new: dt.datetime) -> bool:
        tried.append(new)
        if len(tried) == 1:
            raise RuntimeError("the renewal's transaction fails")  # rolled back: the lease did not move
        return True

    assert isinstance(ctx.clock, ManualClock)
    heard: list[dt.datetime] = []
    start = ctx.clock.now()
    async with renewing(
        ctx, renew_once, until=start, length=dt.timedelta(seconds=0.3), what="a test", renewed_to=heard.append
    ):
        while len(tried) < 2:
            await asyncio.sleep(0.01)
            ctx.clock.advance(dt.timedelta(seconds=1))  # each attempt asks for a later lease
    assert len(tried) >= 2 and tried[0] != tried[1]
    assert tried[0] not in heard and heard == tried[1 : len(heard) + 1]
