"""Answers: members' replies in a prompt's thread, recorded once per platform message.

Each reply is one ``AnswerPart`` keyed by (prompt, message id), so a re-delivered
event changes nothing. A member's parts form their one ``Answer``; an edit
rewrites its part and keeps the votes; deleting the last part removes the answer
and its votes. Messages that are not replies to an open prompt are left for
other features (the handler returns False).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.events import Event, MessageDeleted, MessageEdited, MessagePosted
from bot.services.context import ServiceContext
from bot.store import prompts as store
from bot.store.models import Answer, AnswerPart, Member, PromptPost, Vote
from bot.store.sql import insert_ignore, scalar_one
from bot.store.tenants import ensure_member, find_channel

if TYPE_CHECKING:
    from bot.ports import ChatPort
    from bot.router import Prepbot


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


async def _thread_prompt(session: AsyncSession, event: MessagePosted | MessageEdited) -> PromptPost | None:
    """The prompt whose thread this message is in, if any."""
    message = event.message
    if message.thread_id is None or message.thread_id == message.id:
        return None  # a top-level message: never an answer
    channel = await find_channel(session, ref=message.channel)
    if channel is None:
        return None
    return await store.by_thread(
        session,
        space_id=channel.space_id,
        thread_id=message.thread_id,
        channel_external_id=channel.external_id,
    )


async def _record(
    session: AsyncSession, prompt: PromptPost, event: MessagePosted | MessageEdited, now: dt.datetime
) -> None:
    assert prompt.id is not None
    member = await ensure_member(session, ref=event.member)
    await insert_ignore(
        session, Answer, space_id=prompt.space_id, prompt_id=prompt.id, member_id=member.id, created_at=now
    )
    answer = await scalar_one(
        session,
        select(Answer).where(col(Answer.prompt_id) == prompt.id, col(Answer.member_id) == member.id),
    )
    await insert_ignore(
        session,
        AnswerPart,
        answer_id=answer.id,
        prompt_id=prompt.id,
        message_id=event.message.id,
        text=event.text,
        created_at=now,
        updated_at=now,
    )


async def _find_part(session: AsyncSession, event: Event) -> AnswerPart | None:
    """The recorded part for this platform message, within the message's space only."""
    assert isinstance(event, MessagePosted | MessageEdited | MessageDeleted)
    channel = await find_channel(session, ref=event.message.channel)
    if channel is None:
        return None
    stmt = (
        select(AnswerPart)
        .join(PromptPost, col(PromptPost.id) == col(AnswerPart.prompt_id))
        .where(col(AnswerPart.message_id) == event.message.id, col(PromptPost.space_id) == channel.space_id)
    )
    return (await session.execute(stmt)).scalars().first()


async def _record_reply(
    session: AsyncSession, ctx: ServiceContext, event: MessagePosted | MessageEdited
) -> bool:
    """Record a reply in a prompt's thread; False when the message is not in one."""
    prompt = await _thread_prompt(session, event)
    if prompt is None:
        return False
    # Replies after the reveal, or without text, stay in the thread but are not answers.
    if prompt.status == store.OPEN and event.text.strip():
        await _record(session, prompt, event, ctx.clock.now())
    return True


async def on_posted(ctx: ServiceContext, event: MessagePosted) -> bool:
    async with ctx.db.unit() as session:
        return await _record_reply(session, ctx, event)


async def on_edited(ctx: ServiceContext, event: MessageEdited) -> bool:
    async with ctx.db.unit() as session:
        part = await _find_part(session, event)
        if part is not None:
            await session.execute(
                update(AnswerPart)
                .where(col(AnswerPart.id) == part.id)
                .values(text=event.text, updated_at=ctx.clock.now())
            )
            return True
        # An edit of a reply we never saw (missed while offline) records it now.
        return await _record_reply(session, ctx, event)


async def on_deleted(ctx: ServiceContext, event: MessageDeleted) -> bool:
    async with ctx.db.unit() as session:
        part = await _find_part(session, event)
        if part is None:
            return False
        await session.execute(delete(AnswerPart).where(col(AnswerPart.id) == part.id))
        left = await scalar_one(
            session,
            select(func.count()).select_from(AnswerPart).where(col(AnswerPart.answer_id) == part.answer_id),
        )
        if left == 0:
            # The member took back their whole answer: it goes, with the votes it had.
            await session.execute(delete(Vote).where(col(Vote.answer_id) == part.answer_id))
            await session.execute(delete(Answer).where(col(Answer.id) == part.answer_id))
        return True


async def on_message(ctx: ServiceContext, port: ChatPort, event: Event) -> bool:
    """Router hook: True when the event was about a prompt's thread."""
    if isinstance(event, MessagePosted):
        return await on_posted(ctx, event)
    if isinstance(event, MessageEdited):
        return await on_edited(ctx, event)
    if isinstance(event, MessageDeleted):
        return await on_deleted(ctx, event)
    return False


def install(bot: Prepbot) -> None:
    bot.on_message(on_message)
