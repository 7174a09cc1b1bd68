"""Answers: members' replies in a prompt's thread, recorded once per platform message.

Each reply is one ``AnswerPart`` keyed by (prompt, message id), so a re-delivered
event changes nothing. A member's parts form their one ``Answer``; an edit
rewrites its part and keeps the votes; deleting the last part removes the answer
and its votes. A reply is sorted first: a short first reply is a comment (not on
the ballot), a reply after the reveal is kept as a late answer (not scored). An
answer is bounded (``MAX_REPLIES`` replies, ``MAX_ANSWER_CHARS`` characters) and
frozen once voting closes: later edits and deletions change nothing. Each of
these is told to the author once, privately. Messages that are not replies to a
prompt are left for other features (the handler returns False).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import MemberRef
from bot.events import Event, MessageDeleted, MessageEdited, MessagePosted
from bot.feature import Feature
from bot.render import OutboundMessage
from bot.services import nudges
from bot.services.context import ServiceContext
from bot.services.delivery import METRIC
from bot.store import answers as answer_store
from bot.store import notices
from bot.store import prompts as store
from bot.store.answers import AnswerView as AnswerView  # ballots and digests read answers from here
from bot.store.answers import answers_of as answers_of
from bot.store.enums import NoticeKind
from bot.store.models import AnswerPart, Member, PromptPost
from bot.store.refs import member_ref
from bot.store.tenants import ensure_member, find_channel
from bot.unsaved import not_told

if TYPE_CHECKING:
    from bot.ports import ChatPort

log = logging.getLogger(__name__)


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


MAX_REPLIES = 10  # replies that make one answer; more are not recorded
MAX_ANSWER_CHARS = 4000  # characters one answer keeps, all its replies together
CAPPED_NOTE = (
    "Your answer to this scenario keeps at most {chars:,} characters in {replies} replies, "
    "so part of what you wrote was not recorded. Edit a reply to say it in fewer words."
)
FROZEN_NOTE = (
    "Voting on this scenario has closed, so your answer stays as it was revealed: "
    "edits and deletions made after the reveal do not change it or its votes."
)


@dataclass(frozen=True)
class Notice:
    """A private note owed to an answer's author (told once per answer)."""

    answer_id: int
    about: Literal["frozen", "capped"]
    member: MemberRef


def _fit(text: str, used_chars: int) -> tuple[str, bool]:
    """``text`` cut to what the answer has left; True when something was cut."""
    room = max(0, MAX_ANSWER_CHARS - used_chars)
    return (text, False) if len(text) <= room else (text[:room], True)


async def _record(
    session: AsyncSession,
    prompt: PromptPost,
    member: Member,
    event: MessagePosted | MessageEdited,
    now: dt.datetime,
) -> tuple[bool, Notice | None]:
    """Store one reply as a part of the member's answer, within the answer's bounds.

    Returns whether it started their answer, and the note owed when text was cut.
    """
    assert member.id is not None
    answer, started = await answer_store.start_answer(session, prompt=prompt, member_id=member.id, at=now)
    assert answer.id is not None
    replies, chars = await answer_store.usage(session, answer_id=answer.id)
    text, cut = _fit(event.text, chars)
    if replies < MAX_REPLIES and text.strip():
        await answer_store.add_part(session, answer=answer, message_id=event.message.id, text=text, at=now)
    else:
        cut = True
    return bool(started), Notice(answer.id, "capped", event.member) if cut else None


async def _find_part(session: AsyncSession, event: Event) -> AnswerPart | None:
    """The recorded part for this platform message, within the message's space only."""
    assert isinstance(event, MessagePosted | MessageEdited | MessageDeleted)
    channel = await find_channel(session, ref=event.message.channel)
    if channel is None:
        return None
    return await answer_store.find_part(session, space_id=channel.space_id, message_id=event.message.id)


Outcome = Literal["none", "ignored", "answer", "started", "comment", "late"]


@dataclass(frozen=True)
class Reply:
    """What a thread reply turned out to be, and what the bot owes its author afterwards."""

    outcome: Outcome
    prompt: PromptPost | None = None
    member: Member | None = None
    notify: bool = False  # a once-only note to the author (comment hint, late answer) was claimed
    notice: Notice | None = None  # the answer was cut to its bounds


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
            session, prompt=prompt, member_id=member.id, kind=NoticeKind.LATE_ANSWER, at=now
        )
        return Reply("late", prompt, member, notify=told)
    minimum = ctx.settings.min_answer_chars
    if len(text) < minimum and not await answer_store.has_answer(
        session, prompt_id=prompt.id, member_id=member.id
    ):
        # A short reply starts no answer ("following along!"): not on the ballot, not scored.
        # A short follow-up to an answer already given is part of that answer.
        told = await notices.claim(
            session, prompt=prompt, member_id=member.id, kind=NoticeKind.COMMENT_HINT, at=now
        )
        return Reply("comment", prompt, member, notify=told)
    started, notice = await _record(session, prompt, member, event, now)
    return Reply("started" if started else "answer", prompt, member, notice=notice)


async def _follow_up(
    ctx: ServiceContext, port: ChatPort, event: MessagePosted | MessageEdited, reply: Reply
) -> None:
    """After the transaction: the author's once-only note, or word to voters of a new answer."""
    prompt, member = reply.prompt, reply.member
    if prompt is None or member is None or prompt.id is None or member.id is None:
        return
    if reply.outcome == "started":
        try:  # the answer is stored: raising now would have its author told it was not (see _tell)
            await nudges.tell_voters(ctx, port, prompt_id=prompt.id, author_id=member.id)
        except Exception as exc:
            not_told(ctx.metrics, log, exc, "voters of prompt %s not told of a new answer", prompt.id)
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


async def _author(session: AsyncSession, event: MessageDeleted, part: AnswerPart) -> MemberRef:
    """Who wrote a recorded reply (a deletion does not always say)."""
    member = await answer_store.author_of(session, part=part)
    return member_ref(member, event.message.channel.space)


async def _tell(ctx: ServiceContext, port: ChatPort, event: Event, notice: Notice | None) -> None:
    """Tell the author privately, once per answer and kind of notice; never fails the event: the
    reply committed with its claim, so raising would have the author told it was not saved."""
    if notice is None:
        return
    try:
        async with ctx.db.unit() as session:
            first = await answer_store.tell_once(
                session, answer_id=notice.answer_id, about=notice.about, now=ctx.clock.now()
            )
    except Exception as exc:
        not_told(ctx.metrics, log, exc, "answer %s: %s note not sent", notice.answer_id, notice.about)
        return
    if not first:
        return
    if notice.about == "capped":
        text = CAPPED_NOTE.format(chars=MAX_ANSWER_CHARS, replies=MAX_REPLIES)
    else:
        text = FROZEN_NOTE
    assert isinstance(event, MessagePosted | MessageEdited | MessageDeleted)
    try:
        await port.whisper(event.message.channel, notice.member, OutboundMessage(text=text))
    except Exception:
        log.warning("could not tell member about their answer (%s)", notice.about, exc_info=True)


async def on_posted(ctx: ServiceContext, port: ChatPort, event: MessagePosted) -> bool:
    async with ctx.db.unit() as session:
        reply = await _record_reply(session, ctx, event)
    await _follow_up(ctx, port, event, reply)
    await _tell(ctx, port, event, reply.notice)
    return reply.outcome != "none"


async def on_edited(ctx: ServiceContext, port: ChatPort, event: MessageEdited) -> bool:
    """An edit rewrites its reply while voting is open; after the reveal the answer is frozen."""
    async with ctx.db.unit() as session:
        part = await _find_part(session, event)
        if part is None:
            # An edit of a reply we never recorded (a comment made longer, a late answer
            # rewritten, or one missed while offline) is sorted now.
            reply = await _record_reply(session, ctx, event)
            notice = reply.notice
        else:
            reply = None
            assert part.id is not None
            _, chars = await answer_store.usage(session, answer_id=part.answer_id, except_part=part.id)
            text, cut = _fit(event.text, chars)
            if await answer_store.edit_part_if_open(session, part_id=part.id, text=text, now=ctx.clock.now()):
                notice = Notice(part.answer_id, "capped", event.member) if cut else None
            else:
                notice = Notice(part.answer_id, "frozen", event.member)
    if reply is not None:
        await _follow_up(ctx, port, event, reply)
    await _tell(ctx, port, event, notice)
    return reply is None or reply.outcome != "none"


async def on_deleted(ctx: ServiceContext, port: ChatPort, event: MessageDeleted) -> bool:
    """A deletion removes its reply while voting is open; after the reveal the answer is frozen."""
    async with ctx.db.unit() as session:
        part = await _find_part(session, event)
        if part is None:
            return False
        if await answer_store.delete_part_if_open(session, part=part):
            return True
        notice = Notice(part.answer_id, "frozen", await _author(session, event, part))
    await _tell(ctx, port, event, notice)
    return True


async def on_message(ctx: ServiceContext, port: ChatPort, event: Event) -> bool:
    """Router hook: True when the event was about a prompt's thread.

    A failure to store raises (the router passes it on), so the adapter does not
    mark the delivery handled and the platform's retry stores the answer.
    """
    if isinstance(event, MessagePosted):
        return await on_posted(ctx, port, event)
    if isinstance(event, MessageEdited):
        return await on_edited(ctx, port, event)
    if isinstance(event, MessageDeleted):
        return await on_deleted(ctx, port, event)
    return False


FEATURE = Feature("answers", messages=(on_message,))
