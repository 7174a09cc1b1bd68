"""Repository for culture prompts: claims, send leases, and the lookups the services need.

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
from collections.abc import Sequence

from sqlalchemy import and_, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.store.enums import PromptStatus
from bot.store.lifecycle import installed, installed_spaces
from bot.store.models import Answer, Channel, PromptPost, Space
from bot.store.refs import channel_ref as channel_ref  # services post to a prompt's channel by it
from bot.store.sql import insert_ignore, scalar_first, scalar_one

CLAIMED, OPEN, REVEALING = PromptStatus.CLAIMED, PromptStatus.OPEN, PromptStatus.REVEALING
REVEALED, FAILED, STUCK = PromptStatus.REVEALED, PromptStatus.FAILED, PromptStatus.STUCK


async def scheduled_channels(
    session: AsyncSession, *, channel_ids: Sequence[int] | None = None
) -> list[tuple[Channel, Space]]:
    """Channels with a running daily schedule (all spaces: the scheduler serves the whole process).

    A paused schedule (its posts failed for good) is left out until ``/prep schedule`` resumes it.
    """
    stmt = (
        select(Channel, Space)
        .join(Space, col(Space.id) == col(Channel.space_id))
        .where(col(Channel.post_time).is_not(None), col(Channel.paused_at).is_(None), installed())
        .order_by(col(Channel.id))
    )
    if channel_ids is not None:
        stmt = stmt.where(col(Channel.id).in_(list(channel_ids)))
    return [(c, s) for c, s in (await session.execute(stmt)).all()]


async def has_post_on(session: AsyncSession, *, channel_id: int, local_date: dt.date) -> bool:
    stmt = select(col(PromptPost.id)).where(
        col(PromptPost.channel_id) == channel_id, col(PromptPost.local_date) == local_date
    )
    return (await scalar_first(session, stmt)) is not None


async def scenario_uses(session: AsyncSession, *, channel_id: int) -> dict[str, int]:
    """How often each scenario was posted in a channel (drives the no-repeat rotation)."""
    stmt = (
        select(col(PromptPost.scenario_id), func.count())
        .where(col(PromptPost.channel_id) == channel_id)
        .group_by(col(PromptPost.scenario_id))
    )
    return {scenario: int(n) for scenario, n in (await session.execute(stmt)).all()}


async def claim(
    session: AsyncSession,
    *,
    space_id: int,
    channel_id: int,
    scenario_id: str,
    local_date: dt.date | None = None,
    delivery_key: str | None = None,
    focus: str = "",
) -> PromptPost:
    """Claim the post keyed by (channel, local date) or (channel, delivery); returns the one row.

    The insert is ignored when the key exists, so every racer gets the same row back
    and only the lease (``take_send_lease``) decides who sends it.
    """
    assert (local_date is None) != (delivery_key is None), "a post has exactly one key"
    await insert_ignore(
        session,
        PromptPost,
        space_id=space_id,
        channel_id=channel_id,
        scenario_id=scenario_id,
        local_date=local_date,
        delivery_key=delivery_key[:200] if delivery_key else None,
        status=CLAIMED,
        focus=focus[:300],
    )
    key = (
        col(PromptPost.local_date) == local_date
        if local_date is not None
        else col(PromptPost.delivery_key) == (delivery_key or "")[:200]
    )
    return await scalar_one(session, select(PromptPost).where(col(PromptPost.channel_id) == channel_id, key))


def _lease_free(now: dt.datetime):  # type: ignore[no-untyped-def]
    return or_(col(PromptPost.lease_until).is_(None), col(PromptPost.lease_until) < now)


async def take_send_lease(
    session: AsyncSession, *, prompt_id: int, now: dt.datetime, until: dt.datetime
) -> bool:
    """Atomically become the one sender of a claimed, unsent post."""
    stmt = (
        update(PromptPost)
        .where(col(PromptPost.id) == prompt_id, col(PromptPost.status) == CLAIMED, _lease_free(now))
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
                and_(col(PromptPost.status) == REVEALING, _lease_free(now)),
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


async def sendable_claims(
    session: AsyncSession, *, now: dt.datetime, channel_ids: Sequence[int] | None = None
) -> list[int]:
    """Scheduled claims nobody is sending now: new ones, failed sends, dead senders' leases.

    An admin's extra post is left out: its command already told them it failed, and
    their retry resends the same claim (an automatic resend as well would post twice).
    """
    stmt = (
        select(col(PromptPost.id))
        .where(
            col(PromptPost.status) == CLAIMED,
            col(PromptPost.local_date).is_not(None),
            _lease_free(now),
            col(PromptPost.channel_id).not_in(
                select(col(Channel.id)).where(col(Channel.paused_at).is_not(None))
            ),
            col(PromptPost.space_id).in_(installed_spaces()),
        )
        .order_by(col(PromptPost.id))
    )
    if channel_ids is not None:
        stmt = stmt.where(col(PromptPost.channel_id).in_(list(channel_ids)))
    return list((await session.execute(stmt)).scalars().all())


async def due_reveals(session: AsyncSession, *, now: dt.datetime) -> list[int]:
    """Open prompts whose voting window has ended, and digests a dead process left half-done."""
    stmt = (
        select(col(PromptPost.id))
        .where(
            or_(
                and_(col(PromptPost.status) == OPEN, col(PromptPost.closes_at) <= now),
                and_(col(PromptPost.status) == REVEALING, _lease_free(now)),
            ),
            col(PromptPost.space_id).in_(installed_spaces()),
        )
        .order_by(col(PromptPost.id))
    )
    return list((await session.execute(stmt)).scalars().all())


async def still_voting(session: AsyncSession, *, now: dt.datetime) -> list[tuple[PromptPost, Channel, Space]]:
    """Open prompts whose voting has not closed yet, with their channel and space (every space)."""
    stmt = (
        select(PromptPost, Channel, Space)
        .join(Channel, col(Channel.id) == col(PromptPost.channel_id))
        .join(Space, col(Space.id) == col(PromptPost.space_id))
        .where(col(PromptPost.status) == OPEN, col(PromptPost.closes_at) > now, installed())
    )
    return [(p, c, s) for p, c, s in (await session.execute(stmt)).all()]


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


async def load(session: AsyncSession, *, prompt_id: int) -> tuple[PromptPost, Channel, Space] | None:
    """A prompt with its channel and space."""
    stmt = (
        select(PromptPost, Channel, Space)
        .join(Channel, col(Channel.id) == col(PromptPost.channel_id))
        .join(Space, col(Space.id) == col(PromptPost.space_id))
        .where(col(PromptPost.id) == prompt_id)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1], row[2]) if row else None


async def by_thread(
    session: AsyncSession, *, space_id: int, thread_id: str, channel_external_id: str
) -> PromptPost | None:
    """The posted prompt whose thread is ``thread_id`` (the post's own message id)."""
    stmt = (
        select(PromptPost, Channel)
        .join(Channel, col(Channel.id) == col(PromptPost.channel_id))
        .where(col(PromptPost.space_id) == space_id, col(PromptPost.message_id) == thread_id)
    )
    rows = list((await session.execute(stmt)).all())
    # Slack ids are unique per channel only: prefer the prompt in the message's own channel.
    rows.sort(key=lambda r: r[1].external_id != channel_external_id)
    return rows[0][0] if rows else None


async def latest_open(session: AsyncSession, *, channel_id: int) -> PromptPost | None:
    """The channel's latest prompt still taking votes (or whose digest failed to send)."""
    stmt = (
        select(PromptPost)
        .where(col(PromptPost.channel_id) == channel_id, col(PromptPost.status).in_([OPEN, REVEALING, STUCK]))
        .order_by(col(PromptPost.posted_at).desc(), col(PromptPost.id).desc())
    )
    return await scalar_first(session, stmt)


async def answer_count(session: AsyncSession, *, prompt_id: int) -> int:
    """How many members have answered the prompt."""
    stmt = select(func.count()).select_from(Answer).where(col(Answer.prompt_id) == prompt_id)
    return int((await session.execute(stmt)).scalar_one())


async def crown(session: AsyncSession, *, answer_ids: Sequence[int]) -> None:
    """Mark the digest's top answers, which the export lists as the team's best."""
    if answer_ids:
        await session.execute(update(Answer).where(col(Answer.id).in_(answer_ids)).values(crowned=True))
