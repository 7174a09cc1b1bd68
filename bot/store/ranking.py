"""The digest's ranking of one prompt's answers, in one statement.

Votes are counted per answer, ranks (shared by ties: 1, 2, 2, 4) and thread
numbers come from window functions, and each answer's parts follow in order:
the database does in one query what two queries and a sort in Python did.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.store.models import Answer, AnswerPart, Member, Vote


@dataclass(frozen=True)
class RankedPart:
    """One reply of a ranked answer; an answer's parts come together, in thread order."""

    answer_id: int
    rank: int
    number: int
    votes: int
    member_id: int
    author: str
    text: str


async def ranked_parts(session: AsyncSession, *, prompt_id: int) -> list[RankedPart]:
    """Every answer of a prompt with at least one reply, most votes first (ties in thread order)."""
    tally = (
        select(col(Vote.answer_id).label("answer_id"), func.count().label("n"))
        .where(col(Vote.prompt_id) == prompt_id)
        .group_by(col(Vote.answer_id))
        .subquery()
    )
    votes = func.coalesce(tally.c.n, 0)
    answers = (
        select(
            col(Answer.id).label("id"),
            col(Answer.member_id).label("member_id"),
            votes.label("votes"),
            func.rank().over(order_by=votes.desc()).label("rank"),
            func.row_number().over(order_by=(col(Answer.created_at), col(Answer.id))).label("number"),
        )
        .outerjoin(tally, tally.c.answer_id == col(Answer.id))
        .where(
            col(Answer.prompt_id) == prompt_id,
            exists().where(col(AnswerPart.answer_id) == col(Answer.id)),
        )
        .subquery()
    )
    stmt = (
        select(
            answers.c.id,
            answers.c.rank,
            answers.c.number,
            answers.c.votes,
            answers.c.member_id,
            func.coalesce(func.nullif(col(Member.display_name), ""), col(Member.external_id)),
            col(AnswerPart.text),
        )
        .join(Member, col(Member.id) == answers.c.member_id)
        .join(AnswerPart, col(AnswerPart.answer_id) == answers.c.id)
        .order_by(answers.c.rank, answers.c.number, col(AnswerPart.created_at), col(AnswerPart.id))
    )
    return [RankedPart(*row) for row in (await session.execute(stmt)).all()]
