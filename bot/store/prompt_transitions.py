"""A prompt's life: its send and reveal leases and every change of its status.

Every state change that must happen once is one conditional UPDATE or one
insert against a unique key, so two processes on one database can race safely:

    claimed ──post sent──▶ open ──window ends / reveal──▶ revealing ──digest sent──▶ revealed
       ├── not sent within the catch-up window ──▶ failed           │
       └── the channel cannot be posted in ──▶ failed               └── cannot be posted in ──▶ stuck

A ``stuck`` digest waits for a person: ``/prep reveal`` retries it, and so does
``/prep schedule`` (which resumes the channel); the tick never does.

``lease_until`` belongs to whoever is sending right now; a lease that expired
means that process died, and the next tick may take the work over.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.store.enums import PromptStatus
from bot.store.models import PromptPost

CLAIMED, OPEN, REVEALING = PromptStatus.CLAIMED, PromptStatus.OPEN, PromptStatus.REVEALING
REVEALED, FAILED, STUCK = PromptStatus.REVEALED, PromptStatus.FAILED, PromptStatus.STUCK


def lease_free(now: dt.datetime):  # type: ignore[no-untyped-def]
    """Nobody holds the post's lease at ``now`` (never taken, or its holder died)."""
    return or_(col(PromptPost.lease_until).is_(None), col(PromptPost.lease_until) < now)


async def take_send_lease(
    session: AsyncSession, *, prompt_id: int, now: dt.datetime, until: dt.datetime
) -> bool:
    """Atomically become the one sender of a claimed, unsent post."""
    stmt = (
        update(PromptPost)
        .where(col(PromptPost.id) == prompt_id, col(PromptPost.status) == CLAIMED, lease_free(now))
        .values(lease_until=until, attempts=col(PromptPost.attempts) + 1)
    )
    return bool((await session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def take_reveal_lease(
    session: AsyncSession, *, prompt_id: int, now: dt.datetime, until: dt.datetime
) -> bool:
    """Atomically become the one process that posts this prompt's digest."""
    stmt = (
        update(PromptPost)
        .where(
            col(PromptPost.id) == prompt_id,
            or_(
                col(PromptPost.status).in_([OPEN, STUCK]),
                and_(col(PromptPost.status) == REVEALING, lease_free(now)),
            ),
        )
        .values(status=REVEALING, lease_until=until)
    )
    return bool((await session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def renew_lease(
    session: AsyncSession, *, prompt_id: int, held_until: dt.datetime, until: dt.datetime
) -> bool:
    """Extend a lease this process still holds (its expiry is unchanged since it took it)."""
    stmt = (
        update(PromptPost)
        .where(col(PromptPost.id) == prompt_id, col(PromptPost.lease_until) == held_until)
        .values(lease_until=until)
    )
    return bool((await session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def release_lease(session: AsyncSession, *, prompt_id: int, reason: str) -> None:
    """Give the work back after a failed send, so the next tick retries it at once."""
    await session.execute(
        update(PromptPost)
        .where(col(PromptPost.id) == prompt_id)
        .values(lease_until=None, reason=reason[:300])
    )


async def mark_posted(
    session: AsyncSession, *, prompt_id: int, message_id: str, posted_at: dt.datetime, closes_at: dt.datetime
) -> None:
    await session.execute(
        update(PromptPost)
        .where(col(PromptPost.id) == prompt_id, col(PromptPost.status) == CLAIMED)
        .values(
            status=OPEN, message_id=message_id, posted_at=posted_at, closes_at=closes_at, lease_until=None
        )
    )


async def mark_undeliverable(session: AsyncSession, *, prompt_id: int, reason: str) -> None:
    """The channel cannot take this post or digest until a person acts: stop the ticks retrying it."""
    for before, after in ((CLAIMED, FAILED), (REVEALING, STUCK)):
        await session.execute(
            update(PromptPost)
            .where(col(PromptPost.id) == prompt_id, col(PromptPost.status) == before)
            .values(status=after, lease_until=None, reason=reason[:300])
        )


async def retry_stuck(session: AsyncSession, *, channel_id: int) -> int:
    """Give a channel's stuck digests back to the tick (the channel was just resumed)."""
    result = await session.execute(
        update(PromptPost)
        .where(col(PromptPost.channel_id) == channel_id, col(PromptPost.status) == STUCK)
        .values(status=REVEALING, lease_until=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def mark_revealed(session: AsyncSession, *, prompt_id: int, now: dt.datetime) -> None:
    await session.execute(
        update(PromptPost)
        .where(col(PromptPost.id) == prompt_id, col(PromptPost.status) == REVEALING)
        .values(status=REVEALED, revealed_at=now, lease_until=None)
    )


async def give_up_stale_claims(session: AsyncSession, *, before: dt.datetime) -> None:
    """A claim not sent within the catch-up window is too late to post: mark it failed."""
    await session.execute(
        update(PromptPost)
        .where(col(PromptPost.status) == CLAIMED, col(PromptPost.created_at) < before)
        .values(status=FAILED, lease_until=None)
    )


async def take_reminder(session: AsyncSession, *, prompt_id: int, now: dt.datetime) -> bool:
    """Atomically claim the one reminder of a prompt (at most once: a lost nudge is harmless)."""
    stmt = (
        update(PromptPost)
        .where(
            col(PromptPost.id) == prompt_id,
            col(PromptPost.status) == OPEN,
            col(PromptPost.reminded_at).is_(None),
        )
        .values(reminded_at=now)
    )
    return bool((await session.execute(stmt)).rowcount)  # type: ignore[attr-defined]
