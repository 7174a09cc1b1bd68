"""A challenge on the clock's ticks: rounds time out, idle challenges stop, unposted questions are retried.

Every decision is a conditional update, so two replicas ticking together act
once: closing a timed-out round (``close_round``), taking the retry of a question
whose post failed (``take_post``, a lease), ending a challenge (``finish``).
"""

from __future__ import annotations

import logging

from bot import quiz
from bot.ports import ChatPort
from bot.services.challenge_rounds import (
    IDLE,
    POST_ATTEMPTS,
    POST_LEASE,
    ROUND,
    STALLED,
    give_up,
    next_step,
    post_round,
    shown,
)
from bot.services.context import ServiceContext
from bot.store import challenges as store

log = logging.getLogger(__name__)
IDLE_STOP = f"Stopped: nobody answered for {quiz.IDLE_SECONDS // 60} minutes."


async def tick(ctx: ServiceContext, port: ChatPort) -> None:
    """Time out rounds, stop idle challenges, and resume a challenge whose next post failed."""
    async with ctx.db.unit() as session:
        running = [c.id for c in await store.all_active(session) if c.id is not None]
    for challenge_id in running:
        try:
            await check(ctx, port, challenge_id)
        except Exception:
            log.exception("challenge %s: timeout handling failed", challenge_id)


async def check(ctx: ServiceContext, port: ChatPort, challenge_id: int) -> None:
    """One challenge on the clock: whoever closes the round (a conditional update) posts."""
    now = ctx.clock.now()
    attempt: int | None = None
    async with ctx.db.unit() as session:
        challenge = await store.get(session, challenge_id=challenge_id)
        rounds = await store.rounds_of(session, challenge_id=challenge_id)
        if challenge is None or challenge.active_slot is None or not rounds:
            return
        current = rounds[-1]
        assert current.id is not None
        channel = await store.channel_ref(session, channel_id=challenge.channel_id)
        unposted = not shown(current) and current.closed_at is None
        if unposted:
            # Nobody has seen this question: it is never timed out, only posted again.
            held = current.post_lease_until is not None and current.post_lease_until > now
            spent = current.post_attempts >= POST_ATTEMPTS and not held
            until = now + POST_LEASE
            attempt = await store.take_post(
                session, round_id=current.id, now=now, until=until, attempts=POST_ATTEMPTS
            )
            if attempt is None and not spent:
                return  # being posted, or waiting out a failed post's back-off
        elif current.closed_at is None:
            if now - current.started_at < ROUND:
                return
            if not await store.close_round(session, round_id=current.id, at=now):
                return
            headline: str | None = "⏱ Time's up! Nobody got this one."
        elif now - current.closed_at >= STALLED:
            headline = None
        else:
            return
    if unposted:
        if attempt is not None:
            await post_round(ctx, port, channel, challenge, current, attempt=attempt, until=until)
        else:  # its last attempt's poster died before it could stop the challenge
            await give_up(ctx, port, channel, challenge, current, None)
        return
    # The last round ends the challenge anyway; "idle" only stops one with rounds to go.
    idle = now - challenge.last_activity_at >= IDLE and current.round_no < challenge.rounds
    await next_step(ctx, port, channel, challenge, current, headline, IDLE_STOP if idle else None)
