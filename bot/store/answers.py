"""Answers and their parts: reads for ballots and digests, and writes that respect the reveal.

Writes that must respect the reveal and the bounds are each one conditional statement.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.store import totals
from bot.store.enums import PromptStatus
from bot.store.models import Answer, AnswerPart, Member, PromptPost, Vote
from bot.store.sql import insert_ignore, scalar_first, scalar_one

OPEN = PromptStatus.OPEN


@dataclass(frozen=True)
class AnswerView:
    """One answer as ballots and digests show it; ``number`` is its place in the thread."""

    id: int
    number: int
    member_id: int
    author: str
    text: str


async def answers_of(session: AsyncSession, *, prompt_id: int) -> list[AnswerView]:
    """Every answer of a prompt in the order they were first given, parts joined in order."""
    stmt = (
        select(Answer, Member, AnswerPart)
        .join(Member, col(Member.id) == col(Answer.member_id))
        .join(AnswerPart, col(AnswerPart.answer_id) == col(Answer.id))
        .where(col(Answer.prompt_id) == prompt_id)
        .order_by(col(Answer.created_at), col(Answer.id), col(AnswerPart.created_at), col(AnswerPart.id))
    )
    grouped: dict[int, tuple[Answer, Member, list[str]]] = {}
    for answer, member, part in (await session.execute(stmt)).all():
        grouped.setdefault(answer.id, (answer, member, []))[2].append(part.text)
    return [
        AnswerView(
            id=answer.id or 0,
            number=number,
            member_id=member.id or 0,
            author=member.display_name or member.external_id,
            text="\n".join(texts),
        )
        for number, (answer, member, texts) in enumerate(grouped.values(), start=1)
    ]


async def start_answer(
    session: AsyncSession, *, prompt: PromptPost, member_id: int, at: dt.datetime
) -> tuple[Answer, bool]:
    """The member's one answer to the prompt, created on their first reply; True when this call created it."""
    assert prompt.id is not None
    started = await insert_ignore(
        session, Answer, space_id=prompt.space_id, prompt_id=prompt.id, member_id=member_id, created_at=at
    )
    answer = await scalar_one(
        session,
        select(Answer).where(col(Answer.prompt_id) == prompt.id, col(Answer.member_id) == member_id),
    )
    return answer, started


async def add_part(
    session: AsyncSession, *, answer: Answer, message_id: str, text: str, at: dt.datetime
) -> bool:
    """Keep one reply as a part of ``answer``; a re-delivered message (same id) changes nothing."""
    return await insert_ignore(
        session,
        AnswerPart,
        answer_id=answer.id,
        prompt_id=answer.prompt_id,
        message_id=message_id,
        text=text,
        created_at=at,
        updated_at=at,
    )


async def has_answer(session: AsyncSession, *, prompt_id: int, member_id: int) -> bool:
    """Whether the member already answered the prompt."""
    stmt = select(col(Answer.id)).where(
        col(Answer.prompt_id) == prompt_id, col(Answer.member_id) == member_id
    )
    return (await session.execute(stmt)).first() is not None


async def find_part(session: AsyncSession, *, space_id: int, message_id: str) -> AnswerPart | None:
    """The recorded part for a platform message, within one space only."""
    stmt = (
        select(AnswerPart)
        .join(PromptPost, col(PromptPost.id) == col(AnswerPart.prompt_id))
        .where(col(AnswerPart.message_id) == message_id, col(PromptPost.space_id) == space_id)
    )
    return await scalar_first(session, stmt)


async def author_of(session: AsyncSession, *, part: AnswerPart) -> Member:
    """Who wrote a recorded reply (a deletion does not always say)."""
    return await scalar_one(
        session,
        select(Member)
        .join(Answer, col(Answer.member_id) == col(Member.id))
        .where(col(Answer.id) == part.answer_id),
    )


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
