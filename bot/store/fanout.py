"""Repository for the daily fan-out: claims, send leases and records of many posts in one statement.

A thousand channels due at one minute would otherwise cost a thousand round trips
per step (and, on SQLite, a thousand write transactions queued behind one lock).
Each function here is the bulk form of one in :mod:`bot.store.prompts` or
:mod:`bot.store.prompt_transitions` (or, for the team-focus figures,
:mod:`bot.store.quizzes`) and keeps its guarantee: a
claim is an insert against the unique (channel, local date) key, a lease one
conditional UPDATE per row (a row another process holds is simply not
returned), a record only moves a row that is still ``claimed``.

Long id lists are sent in chunks of :data:`CHUNK`, under every database's limit
on bound parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import bindparam, case, func, update
from sqlalchemy import select as select_many  # sqlmodel's select types at most four columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.store.enums import PromptStatus
from bot.store.models import Answer, Channel, PromptPost, QuizAttempt, Space
from bot.store.sql import insert_ignore_many

CHUNK = 500
CLAIMED, OPEN = PromptStatus.CLAIMED, PromptStatus.OPEN
T = TypeVar("T")


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


async def posted_on(
    session: AsyncSession, *, keys: Sequence[tuple[int, dt.date]]
) -> set[tuple[int, dt.date]]:
    """Which (channel, local date) pairs of ``keys`` already have a post (claimed or further)."""
    found: set[tuple[int, dt.date]] = set()
    for part in _chunks(keys):
        stmt = select(col(PromptPost.channel_id), col(PromptPost.local_date)).where(
            col(PromptPost.channel_id).in_({c for c, _ in part}),
            col(PromptPost.local_date).in_({d for _, d in part}),
        )
        found |= {(c, d) for c, d in (await session.execute(stmt)).all() if d is not None}
    return found & set(keys)


async def scenario_uses(session: AsyncSession, *, channel_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """``prompts.scenario_uses`` for many channels: {channel: {scenario: times posted}}."""
    uses: dict[int, dict[str, int]] = {c: {} for c in channel_ids}
    for part in _chunks(channel_ids):
        stmt = (
            select(col(PromptPost.channel_id), col(PromptPost.scenario_id), func.count())
            .where(col(PromptPost.channel_id).in_(list(part)))
            .group_by(col(PromptPost.channel_id), col(PromptPost.scenario_id))
        )
        for channel_id, scenario, n in (await session.execute(stmt)).all():
            uses[channel_id][scenario] = int(n)
    return uses


async def claim_daily(session: AsyncSession, *, claims: Sequence[dict[str, Any]]) -> None:
    """Claim many scheduled posts (``space_id``, ``channel_id``, ``scenario_id``, ``local_date``, ``focus``).

    One ``INSERT … ON CONFLICT DO NOTHING`` per row, sent as one batch: a key
    another process claimed first keeps its row, and only a lease sends it.
    """
    rows = [{**c, "status": CLAIMED, "focus": c["focus"][:300]} for c in claims]
    await insert_ignore_many(session, PromptPost, rows)


async def take_send_leases(
    session: AsyncSession, *, prompt_ids: Sequence[int], now: dt.datetime, until: dt.datetime
) -> list[tuple[PromptPost, Channel, Space]]:
    """``prompt_transitions.take_send_lease`` for many posts: lease the claimed, unheld ones and load them.

    Only the rows this UPDATE changed are returned: a row another process holds, or
    one sent meanwhile, is left to its holder.
    """
    taken: list[int] = []
    for part in _chunks(prompt_ids):
        stmt = (
            update(PromptPost)
            .where(
                col(PromptPost.id).in_(list(part)),
                col(PromptPost.status) == CLAIMED,
                (col(PromptPost.lease_until).is_(None)) | (col(PromptPost.lease_until) < now),
            )
            .values(lease_until=until, attempts=col(PromptPost.attempts) + 1)
            .returning(col(PromptPost.id))
            .execution_options(synchronize_session=False)
        )
        taken += [i for i in (await session.execute(stmt)).scalars().all() if i is not None]
    loaded: list[tuple[PromptPost, Channel, Space]] = []
    for part in _chunks(sorted(taken)):
        query = (
            select(PromptPost, Channel, Space)
            .join(Channel, col(Channel.id) == col(PromptPost.channel_id))
            .join(Space, col(Space.id) == col(PromptPost.space_id))
            .where(col(PromptPost.id).in_(list(part)))
            .order_by(col(PromptPost.id))
            .execution_options(populate_existing=True)
        )
        loaded += [(p, c, s) for p, c, s in (await session.execute(query)).all()]
    return loaded


async def renew_leases(
    session: AsyncSession, *, prompt_ids: Sequence[int], held_until: dt.datetime, until: dt.datetime
) -> set[int]:
    """Extend the leases this process still holds (unchanged since it took them); returns their ids."""
    renewed: set[int] = set()
    for part in _chunks(prompt_ids):
        stmt = (
            update(PromptPost)
            .where(col(PromptPost.id).in_(list(part)), col(PromptPost.lease_until) == held_until)
            .values(lease_until=until)
            .returning(col(PromptPost.id))
            .execution_options(synchronize_session=False)
        )
        renewed |= {i for i in (await session.execute(stmt)).scalars().all() if i is not None}
    return renewed


async def leased_now(session: AsyncSession, *, prompt_ids: Sequence[int]) -> set[int]:
    """Which of ``prompt_ids`` are under a lease: after this process's renewal missed them, taken over.

    Recording a post, freeing its lease after a failure and giving it up all clear
    ``lease_until``; a row still leased that a renewal did not match is another sender's.
    """
    leased: set[int] = set()
    for part in _chunks(prompt_ids):
        stmt = select(col(PromptPost.id)).where(
            col(PromptPost.id).in_(list(part)), col(PromptPost.lease_until).is_not(None)
        )
        leased |= {i for i in (await session.execute(stmt)).scalars().all() if i is not None}
    return leased


_table = PromptPost.__table__  # type: ignore[attr-defined]
_MARK_POSTED = (
    update(_table)
    .where(_table.c.id == bindparam("prompt_id"), _table.c.status == CLAIMED)
    .values(
        status=OPEN,
        message_id=bindparam("message_id"),
        posted_at=bindparam("posted_at"),
        closes_at=bindparam("closes_at"),
        lease_until=None,
    )
)


async def mark_posted(session: AsyncSession, *, posts: Sequence[dict[str, Any]]) -> None:
    """Many ``prompt_transitions.mark_posted``.

    Each post: ``prompt_id``, ``message_id``, ``posted_at``, ``closes_at``.
    """
    if posts:
        await session.execute(_MARK_POSTED, list(posts))


async def channels_accuracy(
    session: AsyncSession, *, channels: dict[int, int]
) -> dict[int, dict[str, tuple[int, int, int]]]:
    """``quizzes.channel_accuracy`` for many channels ({channel id: space id}), three queries a chunk.

    A channel's figures depend on its own answerers or on its space alone, so each
    chunk of :data:`CHUNK` channels (and of spaces) is read on its own, as one read of all would be.
    """
    found: dict[int, dict[str, tuple[int, int, int]]] = {c: {} for c in channels}
    with_people: set[int] = set()
    for part in _chunks(list(channels)):
        with_people |= await _by_answerers(session, channel_ids=part, found=found)
    # A channel nobody has answered in yet leans on its whole space.
    spaces = sorted({s for c, s in channels.items() if c not in with_people})
    per_space: dict[int, dict[str, tuple[int, int, int]]] = {}
    for spaces_part in _chunks(spaces):
        by_space = (
            select_many(col(QuizAttempt.space_id), col(QuizAttempt.topic), _RIGHT, func.count(), _MEMBERS)
            .where(col(QuizAttempt.space_id).in_(list(spaces_part)))
            .group_by(col(QuizAttempt.space_id), col(QuizAttempt.topic))
        )
        for space_id, topic, ok, n, people in (await session.execute(by_space)).all():
            per_space.setdefault(space_id, {})[topic] = (int(ok or 0), int(n), int(people))
    for channel_id, space_id in channels.items():
        if channel_id not in with_people:
            found[channel_id] = dict(per_space.get(space_id, {}))
    return found


_RIGHT = func.sum(case((col(QuizAttempt.correct), 1), else_=0))
_MEMBERS = func.count(col(QuizAttempt.member_id).distinct())


async def _by_answerers(
    session: AsyncSession, *, channel_ids: Sequence[int], found: dict[int, dict[str, tuple[int, int, int]]]
) -> set[int]:
    """Fill ``found`` for the channels of ``channel_ids`` someone answered in; returns those channels."""
    answered = (
        select(col(PromptPost.channel_id), col(PromptPost.space_id), col(Answer.member_id))
        .join(PromptPost, col(PromptPost.id) == col(Answer.prompt_id))
        .where(col(PromptPost.channel_id).in_(list(channel_ids)))
        .distinct()
        .subquery()
    )
    with_people = set((await session.execute(select(answered.c.channel_id).distinct())).scalars().all())
    if with_people:
        by_people = (
            select_many(answered.c.channel_id, col(QuizAttempt.topic), _RIGHT, func.count(), _MEMBERS)
            .join(
                answered,
                (answered.c.member_id == col(QuizAttempt.member_id))
                & (answered.c.space_id == col(QuizAttempt.space_id)),
            )
            .group_by(answered.c.channel_id, col(QuizAttempt.topic))
        )
        for channel_id, topic, ok, n, people in (await session.execute(by_people)).all():
            found[channel_id][topic] = (int(ok or 0), int(n), int(people))
    return with_people
