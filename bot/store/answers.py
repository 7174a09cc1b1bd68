"""Answer writes that must respect the reveal and the bounds, each one conditional statement."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Literal

from sqlalchemy import delete, func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.store import totals
from bot.store.models import Answer, AnswerPart, PromptPost, Vote
from bot.store.sql import scalar_one

OPEN = "open"


def _prompt_open():  # type: ignore[no-untyped-def]
    """``answer's prompt is open``, evaluated in the statement that writes (no check-then-write gap)."""
    return col(AnswerPart.prompt_id).in_(select(col(PromptPost.id)).where(col(PromptPost.status) == OPEN))


async def usage(session: AsyncSession, *, answer_id: int, except_part: int | None = None) -> tuple[int, int]:
    """(replies, characters) an answer holds, leaving out ``except_part`` (the one being edited)."""
    stmt = select(func.count(), func.coalesce(func.sum(func.length(col(AnswerPart.text))), 0)).where(
        col(AnswerPart.answer_id) == answer_id
    )
    if except_part is not None:
        stmt = stmt.where(col(AnswerPart.id) != except_part)
    replies, chars = (await session.execute(stmt)).one()
    return int(replies), int(chars)


async def edit_part_if_open(session: AsyncSession, *, part_id: int, text: str, now: dt.datetime) -> bool:
    """Rewrite one reply while its prompt is open; False once voting closed (the answer is frozen)."""
    stmt = (
        update(AnswerPart)
        .where(col(AnswerPart.id) == part_id, _prompt_open())
        .values(text=text, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool((await session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


async def delete_part_if_open(session: AsyncSession, *, part: AnswerPart) -> bool:
    """Remove one reply while its prompt is open, and the answer with its votes when it was the last."""
    stmt = (
        delete(AnswerPart)
        .where(col(AnswerPart.id) == part.id, _prompt_open())
        .execution_options(synchronize_session=False)
    )
    if not (await session.execute(stmt)).rowcount:  # type: ignore[attr-defined]
        return False
    left = await scalar_one(
        session,
        select(func.count()).select_from(AnswerPart).where(col(AnswerPart.answer_id) == part.answer_id),
    )
    if left == 0:
        # The member took back their whole answer: it goes, with the votes it had (and their totals).
        # The answer's row is locked first (PostgreSQL): a vote being cast holds a key-share lock on
        # it and then wants the author's totals, so taking the totals first could deadlock with it.
        await session.execute(
            select(col(Answer.id)).where(col(Answer.id) == part.answer_id).with_for_update()
        )
        votes = delete(Vote).where(col(Vote.answer_id) == part.answer_id).returning(col(Vote.created_at))
        gone = Counter(totals.day_of(at) for at in (await session.execute(votes)).scalars().all())
        await totals.add_votes(session, answer_id=part.answer_id, days={day: -n for day, n in gone.items()})
        await session.execute(delete(Answer).where(col(Answer.id) == part.answer_id))
    return True


async def tell_once(
    session: AsyncSession, *, answer_id: int, about: Literal["frozen", "capped"], now: dt.datetime
) -> bool:
    """True for the one caller that should tell the author (an atomic flag per answer and notice)."""
    name = "frozen_told_at" if about == "frozen" else "capped_told_at"
    column = col(getattr(Answer, name))
    stmt = update(Answer).where(col(Answer.id) == answer_id, column.is_(None)).values({name: now})
    return bool((await session.execute(stmt)).rowcount)  # type: ignore[attr-defined]
