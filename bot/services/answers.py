"""Answers: members' replies in a prompt's thread, recorded once per platform message.

Each reply is one ``AnswerPart`` keyed by (prompt, message id), so a re-delivered
event changes nothing. A member's parts form their one ``Answer``; an edit
rewrites its part and keeps the votes; deleting the last part removes the answer
and its votes. Messages that are not replies to an open prompt are left for
other features (the handler returns False).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import delete, func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.events import Event, MessageDeleted, MessageEdited, MessagePosted
from bot.render import OutboundMessage
from bot.services import nudges
from bot.services.context import ServiceContext
from bot.services.delivery import METRIC
from bot.store import notices
from bot.store import prompts as store
from bot.store.models import Answer, AnswerPart, Member, PromptPost, Vote
from bot.store.sql import insert_ignore, scalar_one
from bot.store.tenants import ensure_member, find_channel

if TYPE_CHECKING:
    from bot.ports import ChatPort
    from bot.router import Prepbot

log = logging.getLogger(__name__)


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
    session: AsyncSession,
    prompt: PromptPost,
    member: Member,
    event: MessagePosted | MessageEdited,
    now: dt.datetime,
) -> bool:
    """Record the reply as (part of) the member's answer; True when it started their answer."""
    assert prompt.id is not None
    started = await insert_ignore(
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
    return started


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


Outcome = Literal["none", "ignored", "answer", "started", "comment", "late"]


@dataclass(frozen=True)
class Reply:
    """What a thread reply turned out to be, and what the bot owes its author afterwards."""

    outcome: Outcome
    prompt: PromptPost | None = None
    member: Member | None = None
    notify: bool = False  # a once-only note to the author (comment hint, late answer) was claimed


async def _has_answer(session: AsyncSession, *, prompt_id: int, member_id: int) -> bool:
    stmt = select(col(Answer.id)).where(
        col(Answer.prompt_id) == prompt_id, col(Answer.member_id) == member_id
    )
    return (await session.execute(stmt)).first() is not None


async def _record_reply(
    session: AsyncSession, ctx: ServiceContext, event: MessagePosted | MessageEdited
) -> Reply:
    """Sort a reply in a prompt's thread: an answer, a comment, or a late answer ("none" outside threads)."""
    prompt = await _thread_prompt(session, event)
    if prompt is None:
        return Reply("none")
    text = event.text.strip()
    if not text or prompt.status == store.CLAIMED:
        return Reply("ignored", prompt)  # nothing to keep (an empty reply), or not yet posted
    assert prompt.id is not None
    now = ctx.clock.now()
    member = await ensure_member(session, ref=event.member)
    assert member.id is not None
    if prompt.status != store.OPEN:
        # After the reveal a reply is not scored, but it is the member's words: keep them.
        await notices.keep_late(
            session, prompt=prompt, member_id=member.id, message_id=event.message.id, text=text, at=now
        )
        told = await notices.claim(
            session, prompt=prompt, member_id=member.id, kind=notices.LATE_ANSWER, at=now
        )
        return Reply("late", prompt, member, notify=told)
    minimum = ctx.settings.min_answer_chars
    if len(text) < minimum and not await _has_answer(session, prompt_id=prompt.id, member_id=member.id):
        # A short reply starts no answer ("following along!"): not on the ballot, not scored.
        # A short follow-up to an answer already given is part of that answer.
        told = await notices.claim(
            session, prompt=prompt, member_id=member.id, kind=notices.COMMENT_HINT, at=now
        )
        return Reply("comment", prompt, member, notify=told)
    started = await _record(session, prompt, member, event, now)
    return Reply("started" if started else "answer", prompt, member)


async def _follow_up(
    ctx: ServiceContext, port: ChatPort, event: MessagePosted | MessageEdited, reply: Reply
) -> None:
    """After the transaction: the author's once-only note, or word to voters of a new answer."""
    prompt, member = reply.prompt, reply.member
    if prompt is None or member is None or prompt.id is None or member.id is None:
        return
    if reply.outcome == "started":
        await nudges.tell_voters(ctx, port, prompt_id=prompt.id, author_id=member.id)
        return
    if not reply.notify:
        return
    if reply.outcome == "comment":
        note = OutboundMessage(
            text="I took your reply as a comment, not an answer: it is not on the ballot and scores nothing.",
            footer=(
                "To answer, reply in the thread with your approach in at least "
                f"{ctx.settings.min_answer_chars} characters (what you would do and why). "
                "I say this once per scenario."
            ),
        )
    else:
        note = OutboundMessage(
            text="Voting on this scenario had already closed, so your reply is not scored.",
            footer="I kept it in your prep document as a late answer: `/prep export` sends you a copy.",
        )
    try:
        await port.whisper(event.message.channel, event.member, note)
    except Exception:
        ctx.metrics.inc(METRIC, reason="error")
        log.exception("could not send a private note about a reply in prompt %s", prompt.id)


async def on_posted(ctx: ServiceContext, port: ChatPort, event: MessagePosted) -> bool:
    async with ctx.db.unit() as session:
        reply = await _record_reply(session, ctx, event)
    await _follow_up(ctx, port, event, reply)
    return reply.outcome != "none"


async def on_edited(ctx: ServiceContext, port: ChatPort, event: MessageEdited) -> bool:
    async with ctx.db.unit() as session:
        part = await _find_part(session, event)
        if part is not None:
            await session.execute(
                update(AnswerPart)
                .where(col(AnswerPart.id) == part.id)
                .values(text=event.text, updated_at=ctx.clock.now())
            )
            return True
        # An edit of a reply we never recorded (a comment made longer, a late answer rewritten,
        # or one missed while offline) is sorted now.
        reply = await _record_reply(session, ctx, event)
    await _follow_up(ctx, port, event, reply)
    return reply.outcome != "none"


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
        return await on_posted(ctx, port, event)
    if isinstance(event, MessageEdited):
        return await on_edited(ctx, port, event)
    if isinstance(event, MessageDeleted):
        return await on_deleted(ctx, event)
    return False


def install(bot: Prepbot) -> None:
    bot.on_message(on_message)
