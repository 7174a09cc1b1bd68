"""The daily fan-out: every post due at one minute claimed, leased, sent and recorded in bulk.

:func:`bot.services.prompts.post_due` runs it on every tick. A thousand channels
(or a thousand workspaces) due at the same minute cost a handful of statements
per step instead of one transaction per channel per step; the guarantees are
those of the single post (``bot.services.leases``), row by row:

1. *claim* (:func:`claim_due`): one transaction reads the schedules, what is
   already claimed and what the rotation and team focus need, and inserts every
   new (channel, local date) claim against its unique key;
2. *lease* a batch of :data:`BATCH` claims in one conditional UPDATE: only the rows
   nobody holds come back, so two processes never send the same post;
3. *send* the batch's posts at once (the port paces them by the platform's limits),
   renewing the batch's leases while they run;
4. *record* each sent post as it comes back, grouped (:class:`Recorder`): whatever
   was sent while the last write ran goes into the next one. Until its record
   commits a post is still ``claimed`` under a live lease; if the process dies
   there, the lease runs out and the retry finds the post by its key on the
   platform (``find_posted``) instead of posting it again.

A failed send is handled alone, as for one post: given up for good (the schedule
pauses) or freed for the next tick.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.domain import ChannelRef
from bot.logs import log_context
from bot.ports import find_posted
from bot.render import OutboundMessage, clip
from bot.schedule import due
from bot.services import focus, leases
from bot.services.context import ServiceContext
from bot.store import fanout as store
from bot.store import prompt_transitions, prompts
from bot.store.models import Channel, PromptPost, Space
from bot.store.schedules import schedule_of

if TYPE_CHECKING:
    from bot.content import Pack
    from bot.content_schema import Scenario
    from bot.ports import ChatPort

log = logging.getLogger(__name__)

# Claims leased together: one UPDATE, one renewal, sent at once.
BATCH = 250
# Batches in flight: WORKERS x BATCH posts wait in the port's pacer at once, so a
# thousand workspaces (each with its own limits) are not sent one round trip after
# another; a few connections of the database pool at most.
WORKERS = 4


@dataclass(frozen=True)
class Composed:
    """What one claimed post sends: the message, where, and when its voting closes."""

    message: OutboundMessage
    target: ChannelRef
    closes_at: dt.datetime
    thread_name: str


Compose = Callable[[PromptPost, Channel, Space, dt.datetime], Composed]


async def claim_due(
    ctx: ServiceContext, *, now: dt.datetime, pack_for: Callable[[Channel], Pack]
) -> list[int]:
    """Claim every scheduled post due at ``now``; returns the claims nobody is sending (new or retried)."""
    grace = dt.timedelta(hours=ctx.settings.catch_up_hours)
    async with ctx.db.unit() as session:
        await prompt_transitions.give_up_stale_claims(session, before=now - grace)
        due_now: list[tuple[Channel, dt.date]] = []
        for channel, _space in await prompts.scheduled_channels(session):
            schedule = schedule_of(channel)
            occurrence = due(schedule, now, window=grace, since=channel.schedule_from) if schedule else None
            if occurrence is not None and channel.id is not None:
                due_now.append((channel, occurrence.local_date))
        taken = await store.posted_on(session, keys=[(c.id, d) for c, d in due_now if c.id is not None])
        fresh = [(c, d) for c, d in due_now if (c.id, d) not in taken]
        ids = [c.id for c, _ in fresh if c.id is not None]
        uses = await store.scenario_uses(session, channel_ids=ids)
        accuracy = await store.channels_accuracy(
            session, channels={c.id: c.space_id for c, _ in fresh if c.id is not None}
        )
        claims: list[dict[str, Any]] = []
        scenarios_of: dict[str, list[Scenario]] = {}  # a pack's list, built once for all its channels
        for channel, day in fresh:
            assert channel.id is not None
            pack = pack_for(channel)
            if pack.id not in scenarios_of:
                scenarios_of[pack.id] = pack.scenarios()
            scenarios = scenarios_of[pack.id]
            if not scenarios:
                log.warning("channel %s is scheduled but its pack has no scenarios", channel.id)
                continue
            choice = focus.choose(pack, scenarios, uses[channel.id], accuracy[channel.id], ctx.rng)
            claims.append(
                {
                    "space_id": channel.space_id,
                    "channel_id": channel.id,
                    "scenario_id": choice.scenario.id,
                    "local_date": day,
                    "focus": choice.why,
                }
            )
        await store.claim_daily(session, claims=claims)
        return await prompts.sendable_claims(session, now=now)


async def send_claims(
    ctx: ServiceContext, port: ChatPort, prompt_ids: list[int], *, compose: Compose, lease: dt.timedelta
) -> int:
    """Send the claimed posts this process can lease, :data:`WORKERS` batches at a time; how many posted."""
    batches = iter(_batches(prompt_ids))
    recorder = Recorder(ctx)
    posted = 0

    async def worker() -> None:
        nonlocal posted
        for batch in batches:  # one iterator shared by the workers: each batch is taken once
            try:
                sent = await _send_batch(ctx, port, batch, compose, recorder, lease)
            except Exception:
                # One batch's trouble never holds back the others; its claims stay for the next tick.
                log.exception("delivering prompts %s..%s failed", batch[0], batch[-1])
                continue
            posted += sent  # after the await: a shared total read before it would lose others' counts

    await asyncio.gather(*(worker() for _ in range(WORKERS)))
    return posted


def _batches(prompt_ids: list[int]) -> list[list[int]]:
    """:data:`BATCH` at a time, after a first small batch per worker.

    Leasing and rendering a whole batch holds the event loop; small first batches
    get the first posts out at once, and the later, large ones are prepared while
    those are being sent.
    """
    first = max(1, BATCH // 10)
    sizes = [first] * WORKERS
    batches, start = [], 0
    while start < len(prompt_ids):
        size = sizes.pop(0) if sizes else BATCH
        batches.append(prompt_ids[start : start + size])
        start += size
    return batches


async def _send_batch(
    ctx: ServiceContext,
    port: ChatPort,
    batch: list[int],
    compose: Compose,
    recorder: Recorder,
    length: dt.timedelta,
) -> int:
    now = ctx.clock.now()
    until = now + length
    async with ctx.db.unit() as session:
        loaded = await store.take_send_leases(session, prompt_ids=batch, now=now, until=until)
    if not loaded:
        return 0
    held = [p.id for p, _, _ in loaded if p.id is not None]
    async with leases.kept_alive_many(ctx, prompt_ids=held, until=until, length=length):
        # Every send of the batch finishes under the renewed leases, whatever one of them
        # raises (composing, or recording a failure while the database is away): an
        # abandoned send whose lease lapsed could be taken and posted again.
        sent = await asyncio.gather(
            *(_send_one(ctx, port, row, now, compose, recorder) for row in loaded), return_exceptions=True
        )
    for outcome in sent:
        if isinstance(outcome, Exception):
            log.error("a post of the fan-out failed: %s", type(outcome).__name__, exc_info=outcome)
    return sum(1 for outcome in sent if outcome is True)


async def _send_one(
    ctx: ServiceContext,
    port: ChatPort,
    row: tuple[PromptPost, Channel, Space],
    now: dt.datetime,
    compose: Compose,
    recorder: Recorder,
) -> bool:
    """Send one leased post and record it; True when it was posted."""
    prompt, channel, _space = row
    assert prompt.id is not None
    composed = compose(*row, now)
    message, target = composed.message, composed.target
    # Every line about this post names its space, channel and delivery key.
    with log_context(space=target.space.id, channel=target.id, delivery=message.key):
        try:
            # An earlier attempt may have reached the platform and died before recording it.
            earlier = await find_posted(port, target, message.key or "") if prompt.attempts > 1 else None
            ref = earlier or await port.post(target, message)
        except Exception as exc:
            scheduled = prompt.local_date is not None
            await leases.failed(
                ctx, port, exc, prompt_id=prompt.id, channel_id=channel.id, scheduled=scheduled
            )
            return False
        try:
            await recorder.record(
                {
                    "prompt_id": prompt.id,
                    "message_id": ref.id,
                    "posted_at": now,
                    "closes_at": composed.closes_at,
                }
            )
        except Exception:
            # Posted but not recorded: the lease runs out and the retry finds the post by its key.
            log.exception(
                "recording prompt %s failed; the next attempt looks for it before posting", prompt.id
            )
            return False
        ctx.metrics.inc("prepbot_posts_total", kind="prompt")
        log.info("posted prompt %s", prompt.id)
        try:
            # Discord needs the thread opened on the post; elsewhere this is a no-op.
            await port.open_thread(ref, clip(composed.thread_name, 90))
        except Exception:
            log.exception("could not open the thread on prompt %s; members can still open it", prompt.id)
        return True


class Recorder:
    """Records sent posts in as few transactions as the database needs (a group commit).

    Each post waits for the write that holds it; posts sent while one write runs
    go together into the next, so the records keep up with any send rate
    without a transaction per post, and a lone post is recorded at once.
    """

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self.waiting: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self.writer: asyncio.Task[None] | None = None

    async def record(self, post: dict[str, Any]) -> None:
        """Record ``post`` (the fields of ``store.mark_posted``); raises if its write failed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((post, done))
        if self.writer is None or self.writer.done():
            self.writer = asyncio.create_task(self._write())
        await done

    async def _write(self) -> None:
        group: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        try:
            while self.waiting:
                group, self.waiting = self.waiting, []
                try:
                    async with self.ctx.db.unit() as session:
                        await store.mark_posted(session, posts=[post for post, _ in group])
                except Exception as exc:
                    for _, done in group:
                        if not done.done():
                            done.set_exception(exc)
                    continue
                for _, done in group:
                    if not done.done():
                        done.set_result(None)
        finally:
            # Cancelled mid-write: nobody may wait for a record that will not come.
            for _, done in [*group, *self.waiting]:
                done.cancel()
