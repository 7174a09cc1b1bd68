"""Repository for culture prompts: the claim of each post and the lookups the services need.

A post is claimed by one insert against its unique key (``claim``); who sends it,
and every later change of its status, is in :mod:`bot.store.prompt_transitions`.
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
from bot.store.prompt_transitions import lease_free
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
    and only the lease (``prompt_transitions.take_send_lease``) decides who sends it.
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
            lease_free(now),
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
                and_(col(PromptPost.status) == REVEALING, lease_free(now)),
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
