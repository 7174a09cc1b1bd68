"""Once-only private notices about prompts, late answers, and who still owes an answer or a vote."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.store.enums import NoticeKind
from bot.store.models import Answer, LateAnswer, Member, PromptNotice, PromptPost, Vote
from bot.store.sql import insert_ignore

NEW_ANSWERS = NoticeKind.NEW_ANSWERS
VOTE_NUDGE = NoticeKind.VOTE_NUDGE
ANSWER_REMINDER = NoticeKind.ANSWER_REMINDER
COMMENT_HINT = NoticeKind.COMMENT_HINT
LATE_ANSWER = NoticeKind.LATE_ANSWER


async def claim(
    session: AsyncSession, *, prompt: PromptPost, member_id: int, kind: NoticeKind, at: dt.datetime
) -> bool:
    """Claim the one notice of ``kind`` about ``prompt`` for the member; True only the first time."""
    return await insert_ignore(
        session,
        PromptNotice,
        space_id=prompt.space_id,
        prompt_id=prompt.id,
        member_id=member_id,
        kind=kind,
        created_at=at,
    )


def _not_told(prompt_id: int, kind: NoticeKind):  # type: ignore[no-untyped-def]
    return ~exists().where(
        col(PromptNotice.prompt_id) == prompt_id,
        col(PromptNotice.member_id) == col(Member.id),
        col(PromptNotice.kind) == kind,
    )


async def voters_not_told(session: AsyncSession, *, prompt_id: int, except_id: int) -> list[Member]:
    """Members who voted on the prompt (other than ``except_id``) and were not yet told of new answers."""
    voted = exists().where(col(Vote.prompt_id) == prompt_id, col(Vote.voter_id) == col(Member.id))
    stmt = (
        select(Member)
        .where(voted, col(Member.id) != except_id, _not_told(prompt_id, NEW_ANSWERS))
        .order_by(col(Member.id))
    )
    return list((await session.execute(stmt)).scalars().all())


async def answered_not_voted(session: AsyncSession, *, prompt_id: int) -> list[Member]:
    """Members who answered the prompt, have not voted on it, and were not nudged yet."""
    answered = exists().where(col(Answer.prompt_id) == prompt_id, col(Answer.member_id) == col(Member.id))
    voted = exists().where(col(Vote.prompt_id) == prompt_id, col(Vote.voter_id) == col(Member.id))
    stmt = select(Member).where(answered, ~voted, _not_told(prompt_id, VOTE_NUDGE)).order_by(col(Member.id))
    return list((await session.execute(stmt)).scalars().all())


async def opted_in_not_answered(session: AsyncSession, *, prompt: PromptPost) -> list[Member]:
    """Members of the prompt's space who asked for reminders, have not answered, and were not reminded."""
    assert prompt.id is not None
    answered = exists().where(col(Answer.prompt_id) == prompt.id, col(Answer.member_id) == col(Member.id))
    stmt = (
        select(Member)
        .where(
            col(Member.space_id) == prompt.space_id,
            col(Member.prompt_reminders).is_(True),
            ~answered,
            _not_told(prompt.id, ANSWER_REMINDER),
        )
        .order_by(col(Member.id))
    )
    return list((await session.execute(stmt)).scalars().all())


async def keep_late(
    session: AsyncSession, *, prompt: PromptPost, member_id: int, message_id: str, text: str, at: dt.datetime
) -> bool:
    """Keep a reply sent after the reveal (an edit rewrites it); True when it is new."""
    new = await insert_ignore(
        session,
        LateAnswer,
        space_id=prompt.space_id,
        prompt_id=prompt.id,
        member_id=member_id,
        message_id=message_id,
        text=text,
        created_at=at,
    )
    if not new:
        row = (
            await session.execute(
                select(LateAnswer).where(
                    col(LateAnswer.prompt_id) == prompt.id, col(LateAnswer.message_id) == message_id
                )
            )
        ).scalar_one()
        row.text = text
        session.add(row)
    return new


async def late_answers(session: AsyncSession, *, member_id: int) -> list[tuple[str, str]]:
    """The member's late replies as (scenario id, text), oldest first."""
    stmt = (
        select(col(PromptPost.scenario_id), col(LateAnswer.text))
        .join(PromptPost, col(PromptPost.id) == col(LateAnswer.prompt_id))
        .where(col(LateAnswer.member_id) == member_id)
        .order_by(col(LateAnswer.created_at), col(LateAnswer.id))
    )
    return [(scenario_id, text) for scenario_id, text in (await session.execute(stmt)).all()]
