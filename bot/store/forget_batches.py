"""Forgetting a member with a long history: the bulk of their rows first, a bounded batch at a time.

``/prep forget-me`` and ``prepbot data forget`` call :func:`forget_batch` in one
transaction each until it finds nothing more, then :func:`bot.store.forget.forget_member`
for the rest in one last transaction, which then holds only what grows slowly: a
totals row per day active, roles, seats, ratings and notes, pointers in others'
rows, the profile row.

Each batch leaves what others see exact when it commits: votes it deletes come off
their authors' running totals (the member's own too, for votes on their answers),
awards it deletes off the member's, and it returns what revealed answers lost, for
the caller to shrink their vote awards in the same transaction. Deleted rows no
longer match, so a forget that stopped midway (an outage, a restart) is finished by
the next press, which removes only what is left.

On PostgreSQL a batch first takes the member's row ``FOR NO KEY UPDATE``: two
forgets of one member (and the last transaction's ``FOR UPDATE``) go one after the
other, while votes, awards and totals naming the member (key-share locks) go on.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.store import totals
from bot.store.forget import LostVotes, take_back
from bot.store.models import (
    Answer,
    AnswerPart,
    LateAnswer,
    Member,
    MemberPlan,
    PointEvent,
    PromptNotice,
    PromptPost,
    QuizAttempt,
    QuizPresentation,
    ReviewCard,
    ReviewLog,
    SavedQuestion,
    Vote,
)
from bot.store.sql import is_postgres

# Kinds with no totals of their own, in the order they go (labels as in ``forget.KINDS``).
PLAIN: tuple[tuple[str, Any], ...] = (
    ("late replies", LateAnswer),
    ("quiz and challenge answers", QuizAttempt),
    ("questions shown to you", QuizPresentation),
    ("review history entries", ReviewLog),
    ("review cards", ReviewCard),
    ("saved questions", SavedQuestion),
    ("daily plans", MemberPlan),
    ("notices sent to you", PromptNotice),  # not a kind members are told of, as in ``forget_member``
)


async def _ids(session: AsyncSession, stmt: Any) -> list[int]:
    return [i for i in (await session.execute(stmt)).scalars().all() if i is not None]


async def _drop_votes(session: AsyncSession, ids: Sequence[int]) -> tuple[int, LostVotes]:
    stmt = delete(Vote).where(col(Vote.id).in_(ids)).returning(col(Vote.answer_id), col(Vote.created_at))
    gone = (await session.execute(stmt)).all()  # only rows still there: a batch redone counts nothing twice
    return len(gone), await take_back(session, gone)


async def forget_batch(
    session: AsyncSession, *, member_id: int, limit: int
) -> tuple[Counter[str], LostVotes]:
    """Delete at most ``limit`` of the member's rows of one kind: (counts, votes revealed answers lost).

    Empty counts: none of these kinds is left, and ``forget_member`` does the rest.
    """
    mid = member_id
    postgres = is_postgres(session)
    if postgres:
        me = select(col(Member.id)).where(col(Member.id) == mid)
        await session.execute(me.with_for_update(key_share=True))  # FOR NO KEY UPDATE
    own = select(col(Answer.id)).where(col(Answer.member_id) == mid)

    # Votes they cast on others' answers: as in ``forget_member``, the prompts first (shared), so a
    # digest being recorded finishes before its awards are shrunk, or starts after the votes went.
    cast = await _ids(
        session,
        select(col(Vote.id))
        .where(col(Vote.voter_id) == mid, col(Vote.answer_id).not_in(own))
        .order_by(col(Vote.id))
        .limit(limit),
    )
    if cast:
        if postgres:
            prompts = select(col(Vote.prompt_id)).where(col(Vote.id).in_(cast))
            locked = select(col(PromptPost.id)).where(col(PromptPost.id).in_(prompts))
            await session.execute(locked.order_by(col(PromptPost.id)).with_for_update(read=True))
        n, lost = await _drop_votes(session, cast)
        return Counter({"votes you cast": n}), lost

    # Their answers, a batch at a time, each with the votes on it and its replies. On PostgreSQL the
    # answers are locked first, so a vote being cast on one waits instead of deadlocking on the totals.
    answers = await _ids(session, own.order_by(col(Answer.id)).limit(limit))
    if answers:
        if postgres:
            await session.execute(
                select(col(Answer.id))
                .where(col(Answer.id).in_(answers))
                .order_by(col(Answer.id))
                .with_for_update()
            )
        voted = await _ids(session, select(col(Vote.id)).where(col(Vote.answer_id).in_(answers)).limit(limit))
        if voted:
            n, _ = await _drop_votes(session, voted)  # their own awards go whole with their points, last
            return Counter({"votes others cast on your answers": n}), Counter()
        parts = await _ids(
            session, select(col(AnswerPart.id)).where(col(AnswerPart.answer_id).in_(answers)).limit(limit)
        )
        if parts:
            n = await _deleted(session, AnswerPart, parts)
            return Counter({"replies in those answers": n}), Counter()
        return Counter({"answers to culture prompts": await _deleted(session, Answer, answers)}), Counter()

    # Their points: each award off their running totals for its day, as the ledger's own shrink does.
    awards = (
        delete(PointEvent)
        .where(
            col(PointEvent.id).in_(
                select(col(PointEvent.id)).where(col(PointEvent.member_id) == mid).limit(limit)
            )
        )
        .returning(col(PointEvent.space_id), col(PointEvent.points), col(PointEvent.created_at))
    )
    gone = (await session.execute(awards)).all()
    if gone:
        days: dict[tuple[int, int, dt.date], tuple[int, int]] = {}
        for space_id, points, at in gone:
            key = (space_id, mid, totals.day_of(at))
            before = days.get(key, (0, 0))
            days[key] = (before[0] - points, before[1] - 1)
        # All their day rows, then their all-time row once: the order a concurrent award's
        # ``totals.add`` (day, then all-time) keeps, so neither waits on the other in a cycle.
        await totals.add_days(session, changes=days)
        return Counter({"point awards": len(gone)}), Counter()

    for label, model in PLAIN:
        chosen = await _ids(
            session,
            select(col(model.id)).where(col(model.member_id) == mid).order_by(col(model.id)).limit(limit),
        )
        if chosen:
            n = await _deleted(session, model, chosen)
            return Counter({label: n}), Counter()
    return Counter(), Counter()


async def _deleted(session: AsyncSession, model: Any, ids: Sequence[int]) -> int:
    result = await session.execute(delete(model).where(col(model.id).in_(ids)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
