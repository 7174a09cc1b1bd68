"""Repository for what members say after a mock interview: check-in answers, ratings and notes.

A rating is keyed by (round, candidate, reviewer, question) and a note by (round,
candidate, reviewer): pressing or writing again replaces the earlier one, and the
caller learns it did (to say so). Rounds and seats are in :mod:`bot.store.pairings`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.store.models import PairingFeedback, PairingNote, PairingSeat
from bot.store.sql import insert_ignore


async def save_feedback(
    session: AsyncSession,
    *,
    space_id: int,
    round_id: int,
    candidate_id: int,
    reviewer_id: int,
    question: str,
    rating: int,
) -> int | None:
    """Save a rating; a second press on the same question replaces it. Returns the rating replaced."""
    if await insert_ignore(
        session,
        PairingFeedback,
        space_id=space_id,
        round_id=round_id,
        candidate_id=candidate_id,
        reviewer_id=reviewer_id,
        question=question,
        rating=rating,
    ):
        return None
    where = (
        col(PairingFeedback.round_id) == round_id,
        col(PairingFeedback.candidate_id) == candidate_id,
        col(PairingFeedback.reviewer_id) == reviewer_id,
        col(PairingFeedback.question) == question,
    )
    earlier = (await session.execute(select(col(PairingFeedback.rating)).where(*where))).scalar_one()
    await session.execute(update(PairingFeedback).where(*where).values(rating=rating))
    return int(earlier)


async def ratings(
    session: AsyncSession, *, round_id: int, candidate_id: int, reviewer_id: int
) -> dict[str, int]:
    """The ratings one interviewer gave one candidate in a round, by question."""
    stmt = select(col(PairingFeedback.question), col(PairingFeedback.rating)).where(
        col(PairingFeedback.round_id) == round_id,
        col(PairingFeedback.candidate_id) == candidate_id,
        col(PairingFeedback.reviewer_id) == reviewer_id,
    )
    return {q: int(r) for q, r in (await session.execute(stmt)).all()}


async def save_note(
    session: AsyncSession,
    *,
    space_id: int,
    round_id: int,
    candidate_id: int,
    reviewer_id: int,
    note: str,
    at: dt.datetime,
) -> bool:
    """Keep the interviewer's note to a candidate; writing again replaces it. True when new."""
    if await insert_ignore(
        session,
        PairingNote,
        space_id=space_id,
        round_id=round_id,
        candidate_id=candidate_id,
        reviewer_id=reviewer_id,
        note=note,
        created_at=at,
        updated_at=at,
    ):
        return True
    await session.execute(
        update(PairingNote)
        .where(
            col(PairingNote.round_id) == round_id,
            col(PairingNote.candidate_id) == candidate_id,
            col(PairingNote.reviewer_id) == reviewer_id,
        )
        .values(note=note, updated_at=at)
    )
    return False


async def set_met(session: AsyncSession, *, round_id: int, member_id: int, answer: str) -> bool:
    """Record a member's answer to the check-in on their seat; False when they have no seat."""
    result = await session.execute(
        update(PairingSeat)
        .where(col(PairingSeat.round_id) == round_id, col(PairingSeat.member_id) == member_id)
        .values(met=answer[:8])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def feedback_for(session: AsyncSession, *, candidate_id: int) -> list[PairingFeedback]:
    stmt = (
        select(PairingFeedback)
        .where(col(PairingFeedback.candidate_id) == candidate_id)
        .order_by(col(PairingFeedback.created_at), col(PairingFeedback.id))
    )
    return list((await session.execute(stmt)).scalars().all())
