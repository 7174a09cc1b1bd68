"""Queries behind a member's prep document: their answers, the best peer answers, misses, notes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.store.models import (
    Answer,
    AnswerPart,
    Channel,
    Member,
    PairingNote,
    PairingRound,
    PromptPost,
    QuizAttempt,
    SavedQuestion,
    Vote,
)

PEER_ANSWERS = 5
PEER_CHANNELS = 500  # channels asked about per export: one platform call pages through them


@dataclass(frozen=True)
class ExportedAnswer:
    """An answer with its scenario, author and votes."""

    scenario_id: str
    posted: dt.datetime | None
    author: str
    text: str
    votes: int | None  # None until the prompt is revealed: votes are blind before that


async def _answers(session: AsyncSession, answer_ids: list[int]) -> dict[int, str]:
    stmt = (
        select(col(AnswerPart.answer_id), col(AnswerPart.text))
        .where(col(AnswerPart.answer_id).in_(answer_ids))
        .order_by(col(AnswerPart.created_at), col(AnswerPart.id))
    )
    texts: dict[int, list[str]] = {}
    for answer_id, text in (await session.execute(stmt)).all():
        texts.setdefault(answer_id, []).append(text)
    return {answer_id: "\n".join(parts) for answer_id, parts in texts.items()}


def _columns(model: type) -> list[Any]:
    return list(model.__table__.columns)  # type: ignore[attr-defined]


def _voted_answers():  # type: ignore[no-untyped-def]
    votes = func.count(col(Vote.id)).label("votes")
    return (
        select(Answer, PromptPost, Member, votes)
        .join(PromptPost, col(PromptPost.id) == col(Answer.prompt_id))
        .join(Member, col(Member.id) == col(Answer.member_id))
        .outerjoin(Vote, col(Vote.answer_id) == col(Answer.id))
        .group_by(*_columns(Answer), *_columns(PromptPost), *_columns(Member))
    ), votes


async def _export(session: AsyncSession, stmt: object) -> list[ExportedAnswer]:
    rows = (await session.execute(stmt)).all()  # type: ignore[call-overload]
    texts = await _answers(session, [answer.id for answer, *_ in rows])
    return [
        ExportedAnswer(
            scenario_id=prompt.scenario_id,
            posted=prompt.posted_at,
            author=member.display_name or member.external_id,
            text=texts.get(answer.id, ""),
            votes=int(votes) if prompt.revealed_at is not None else None,
        )
        for answer, prompt, member, votes in rows
    ]


async def own_answers(session: AsyncSession, *, member_id: int) -> list[ExportedAnswer]:
    """The member's answers, newest prompt first."""
    stmt, _ = _voted_answers()
    stmt = stmt.where(col(Answer.member_id) == member_id).order_by(col(PromptPost.id).desc())
    return await _export(session, stmt)


async def top_peer_answers(
    session: AsyncSession, *, space_id: int, member_id: int, channel_ids: set[int], limit: int = PEER_ANSWERS
) -> list[ExportedAnswer]:
    """Crowned answers by others (see ``bot.services.digest_ranking.crowned``) in revealed prompts of
    ``channel_ids`` (the channels the member sees), most votes first."""
    if not channel_ids:
        return []
    stmt, votes = _voted_answers()
    stmt = (
        stmt.where(
            col(Answer.space_id) == space_id,
            col(Answer.member_id) != member_id,
            col(Answer.crowned).is_(True),
            col(PromptPost.revealed_at).is_not(None),
            col(PromptPost.channel_id).in_(sorted(channel_ids)),
        )
        .order_by(votes.desc(), col(Answer.id))
        .limit(limit)
    )
    return await _export(session, stmt)


async def peer_channels(session: AsyncSession, *, space_id: int, member_id: int) -> list[Channel]:
    """Channels of the space holding revealed answers by others: where top answers could come from."""
    has_answers = (
        select(col(PromptPost.channel_id))
        .join(Answer, col(Answer.prompt_id) == col(PromptPost.id))
        .where(
            col(PromptPost.space_id) == space_id,
            col(PromptPost.revealed_at).is_not(None),
            col(Answer.member_id) != member_id,
        )
        .distinct()
    )
    stmt = (
        select(Channel)
        .where(col(Channel.space_id) == space_id, col(Channel.id).in_(has_answers))
        .order_by(col(Channel.id))
        .limit(PEER_CHANNELS)
    )
    return list((await session.execute(stmt)).scalars().all())


async def channels_taken_part(session: AsyncSession, *, member_id: int) -> set[int]:
    """Channels where the member answered a prompt or voted: what they saw for themselves."""
    answered = (
        select(col(PromptPost.channel_id))
        .join(Answer, col(Answer.prompt_id) == col(PromptPost.id))
        .where(col(Answer.member_id) == member_id)
    )
    voted = (
        select(col(PromptPost.channel_id))
        .join(Vote, col(Vote.prompt_id) == col(PromptPost.id))
        .where(col(Vote.voter_id) == member_id)
    )
    rows = await session.execute(answered.union(voted))
    return {int(channel_id) for (channel_id,) in rows.all()}


async def missed_items(session: AsyncSession, *, member_id: int) -> list[tuple[str, bool]]:
    """Items the member got wrong, and whether they answered them right afterwards."""
    stmt = (
        select(col(QuizAttempt.item_id), col(QuizAttempt.correct), col(QuizAttempt.created_at))
        .where(col(QuizAttempt.member_id) == member_id)
        .order_by(col(QuizAttempt.created_at), col(QuizAttempt.id))
    )
    missed: dict[str, bool] = {}
    for item_id, correct, _ in (await session.execute(stmt)).all():
        if not correct:
            missed[item_id] = False
        elif item_id in missed:
            missed[item_id] = True
    return list(missed.items())


async def saved_questions(session: AsyncSession, *, member_id: int) -> list[str]:
    stmt = (
        select(col(SavedQuestion.item_id))
        .where(col(SavedQuestion.member_id) == member_id)
        .order_by(col(SavedQuestion.created_at), col(SavedQuestion.id))
    )
    return list((await session.execute(stmt)).scalars().all())


@dataclass(frozen=True)
class ReceivedNote:
    """A mock interviewer's written note to the member, as it reached them by DM."""

    round_number: int
    interviewer: str
    note: str
    written: dt.datetime


async def received_notes(session: AsyncSession, *, candidate_id: int) -> list[ReceivedNote]:
    """The notes written to ``candidate_id`` as the candidate, oldest first; never anyone else's."""
    stmt = (
        select_columns(
            col(PairingNote.note),
            col(PairingNote.updated_at),
            col(PairingRound.number),
            col(PairingRound.id),
            col(Member.display_name),
            col(Member.external_id),
        )
        .join(PairingRound, col(PairingRound.id) == col(PairingNote.round_id))
        .join(Member, col(Member.id) == col(PairingNote.reviewer_id))
        .where(col(PairingNote.candidate_id) == candidate_id, col(PairingNote.note) != "")
        .order_by(col(PairingNote.created_at), col(PairingNote.id))
    )
    return [
        ReceivedNote(round_number=number or round_id, interviewer=name or ext, note=note, written=at)
        for note, at, number, round_id, name, ext in (await session.execute(stmt)).all()
    ]
