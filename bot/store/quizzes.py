"""Practice and review storage: questions shown, answers given, review cards, per-topic tallies.

Every write that a retry could repeat is an ``insert_ignore`` on a unique key,
so a re-delivered click or command changes nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.memory import Memory
from bot.quiz import Tally
from bot.store.models import Answer, PromptPost, QuizAttempt, QuizPresentation, ReviewCard, ReviewLog
from bot.store.sql import insert_ignore, scalar_first


async def add_presentation(
    session: AsyncSession,
    *,
    space_id: int,
    member_id: int,
    token: str,
    item_id: str,
    topic: str,
    mode: str,
    at: dt.datetime,
) -> bool:
    """Record that a question was shown under ``token``; False when it already was."""
    return await insert_ignore(
        session,
        QuizPresentation,
        space_id=space_id,
        member_id=member_id,
        token=token,
        item_id=item_id,
        topic=topic,
        mode=mode,
        created_at=at,
    )


async def get_presentation(session: AsyncSession, *, member_id: int, token: str) -> QuizPresentation | None:
    stmt = select(QuizPresentation).where(
        col(QuizPresentation.member_id) == member_id, col(QuizPresentation.token) == token
    )
    return await scalar_first(session, stmt)


async def shown_counts(session: AsyncSession, *, member_id: int, topic: str, mode: str) -> dict[str, int]:
    """How often each item of ``topic`` was shown to the member in ``mode``."""
    stmt = (
        select(col(QuizPresentation.item_id), func.count())
        .where(
            col(QuizPresentation.member_id) == member_id,
            col(QuizPresentation.topic) == topic,
            col(QuizPresentation.mode) == mode,
        )
        .group_by(col(QuizPresentation.item_id))
    )
    return {item_id: int(n) for item_id, n in (await session.execute(stmt)).all()}


async def record_attempt(
    session: AsyncSession,
    *,
    space_id: int,
    member_id: int,
    item_id: str,
    topic: str,
    mode: str,
    token: str,
    correct: bool,
    at: dt.datetime,
) -> bool:
    """Record one answer; False when the member already answered under ``token``."""
    return await insert_ignore(
        session,
        QuizAttempt,
        space_id=space_id,
        member_id=member_id,
        item_id=item_id,
        topic=topic,
        mode=mode,
        token=token,
        correct=correct,
        created_at=at,
    )


async def topic_tallies(session: AsyncSession, *, member_id: int) -> dict[str, Tally]:
    """Right and total answers per topic, every mode together."""
    right = func.sum(case((col(QuizAttempt.correct), 1), else_=0))
    stmt = (
        select(col(QuizAttempt.topic), right, func.count())
        .where(col(QuizAttempt.member_id) == member_id)
        .group_by(col(QuizAttempt.topic))
    )
    rows = (await session.execute(stmt)).all()
    return {topic: Tally(correct=int(ok or 0), attempts=int(n)) for topic, ok, n in rows}


async def seen_items(session: AsyncSession, *, member_id: int) -> dict[str, set[str]]:
    """Items per topic the member was shown or answered (challenges included)."""
    seen: dict[str, set[str]] = {}
    for model in (QuizPresentation, QuizAttempt):
        stmt = (
            select(model.topic, model.item_id)  # type: ignore[attr-defined]
            .where(model.member_id == member_id)  # type: ignore[attr-defined]
            .distinct()
        )
        for topic, item_id in (await session.execute(stmt)).all():
            seen.setdefault(topic, set()).add(item_id)
    return seen


async def answer_times(session: AsyncSession, *, member_id: int, since: dt.datetime) -> list[dt.datetime]:
    """When the member answered anything since ``since`` (for the streak)."""
    stmt = select(col(QuizAttempt.created_at)).where(
        col(QuizAttempt.member_id) == member_id, col(QuizAttempt.created_at) >= since
    )
    return list((await session.execute(stmt)).scalars().all())


# --- review cards ----------------------------------------------------------
async def get_card(session: AsyncSession, *, member_id: int, item_id: str) -> ReviewCard | None:
    stmt = select(ReviewCard).where(
        col(ReviewCard.member_id) == member_id, col(ReviewCard.item_id) == item_id
    )
    return await scalar_first(session, stmt)


def card_memory(card: ReviewCard | None) -> Memory | None:
    if card is None:
        return None
    return Memory(
        state=card.state,
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due_at=card.due_at,
        last_review=card.last_review,
        lapses=card.lapses,
        reps=card.reps,
    )


async def save_card(
    session: AsyncSession, *, space_id: int, member_id: int, item_id: str, memory: Memory, at: dt.datetime
) -> None:
    """Create or overwrite the member's card for ``item_id`` (insert first, so two writers never clash)."""
    values = {
        "state": memory.state,
        "step": memory.step,
        "stability": memory.stability,
        "difficulty": memory.difficulty,
        "last_review": memory.last_review,
        "lapses": memory.lapses,
        "reps": memory.reps,
        "due_at": memory.due_at or at,
        "updated_at": at,
    }
    created = await insert_ignore(
        session, ReviewCard, space_id=space_id, member_id=member_id, item_id=item_id, **values
    )
    if not created:
        await session.execute(
            update(ReviewCard)
            .where(col(ReviewCard.member_id) == member_id, col(ReviewCard.item_id) == item_id)
            .values(**values)
        )


async def log_review(
    session: AsyncSession,
    *,
    space_id: int,
    member_id: int,
    item_id: str,
    rating: int,
    mode: str,
    token: str,
    at: dt.datetime,
) -> bool:
    """Keep one graded answer for refitting FSRS later; once per answer token."""
    return await insert_ignore(
        session,
        ReviewLog,
        space_id=space_id,
        member_id=member_id,
        item_id=item_id,
        rating=rating,
        mode=mode,
        token=token,
        reviewed_at=at,
    )


async def member_cards(session: AsyncSession, *, member_id: int) -> list[tuple[str, Memory]]:
    """Every card of the member, as (item id, FSRS state)."""
    stmt = select(ReviewCard).where(col(ReviewCard.member_id) == member_id).order_by(col(ReviewCard.id))
    return [(c.item_id, m) for c in (await session.execute(stmt)).scalars() if (m := card_memory(c))]


async def space_cards(session: AsyncSession, *, space_id: int) -> list[tuple[int, str, Memory]]:
    """Every card in the space, as (member id, item id, FSRS state), for team forecasts."""
    stmt = select(ReviewCard).where(col(ReviewCard.space_id) == space_id).order_by(col(ReviewCard.id))
    return [
        (c.member_id, c.item_id, m) for c in (await session.execute(stmt)).scalars() if (m := card_memory(c))
    ]


async def active_members(session: AsyncSession, *, space_id: int, since: dt.datetime) -> tuple[int, int]:
    """(members who answered anything since ``since``, members who ever answered) in the space."""
    ever = select(func.count(func.distinct(QuizAttempt.member_id))).where(
        col(QuizAttempt.space_id) == space_id
    )
    recent = ever.where(col(QuizAttempt.created_at) >= since)
    return int((await session.execute(recent)).scalar_one()), int((await session.execute(ever)).scalar_one())


async def due_cards(session: AsyncSession, *, member_id: int, now: dt.datetime) -> list[ReviewCard]:
    """The member's cards due by ``now``, most overdue first."""
    stmt = (
        select(ReviewCard)
        .where(col(ReviewCard.member_id) == member_id, col(ReviewCard.due_at) <= now)
        .order_by(col(ReviewCard.due_at), col(ReviewCard.id))
    )
    return list((await session.execute(stmt)).scalars().all())


async def next_due(session: AsyncSession, *, member_id: int) -> dt.datetime | None:
    """When the member's next card comes due, or None without cards."""
    stmt = select(func.min(ReviewCard.due_at)).where(col(ReviewCard.member_id) == member_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def channel_accuracy(
    session: AsyncSession, *, space_id: int, channel_id: int
) -> dict[str, tuple[int, int, int]]:
    """(right, total, members) quiz answers per topic for the channel's people (or the whole space)."""
    people = (
        select(col(Answer.member_id))
        .join(PromptPost, col(PromptPost.id) == col(Answer.prompt_id))
        .where(col(PromptPost.channel_id) == channel_id)
        .distinct()
    )
    has_people = (await session.execute(people.limit(1))).first() is not None
    right = func.sum(case((col(QuizAttempt.correct), 1), else_=0))
    members = func.count(col(QuizAttempt.member_id).distinct())
    stmt = (
        select(col(QuizAttempt.topic), right, func.count(), members)
        .where(col(QuizAttempt.space_id) == space_id)
        .group_by(col(QuizAttempt.topic))
    )
    if has_people:
        stmt = stmt.where(col(QuizAttempt.member_id).in_(people))
    rows = (await session.execute(stmt)).all()
    return {topic: (int(ok or 0), int(n), int(people)) for topic, ok, n, people in rows}
