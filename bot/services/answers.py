"""Answers: members' replies in a prompt's thread, recorded once per platform message.

Each reply is one ``AnswerPart`` keyed by (prompt, message id), so a re-delivered
event changes nothing. A member's parts form their one ``Answer``; an edit
rewrites its part and keeps the votes; deleting the last part removes the answer
and its votes. A reply is sorted first: a short first reply is a comment (not on
the ballot), a reply after the reveal is kept as a late answer (not scored). An
answer is bounded (``MAX_REPLIES`` replies, ``MAX_ANSWER_CHARS`` characters) and
frozen once voting closes: later edits and deletions change nothing. Each of
these is told to the author once, privately. Messages that are not replies to a
prompt are left for other features (the handler returns False). How a reply is
sorted and stored: ``bot.services.answer_replies``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import MemberRef
from bot.events import Event, MessageDeleted, MessageEdited, MessagePosted
from bot.feature import Feature
from bot.render import OutboundMessage
from bot.services import nudges
from bot.services.answer_replies import MAX_ANSWER_CHARS, MAX_REPLIES, Notice, Reply, fit, record_reply
from bot.services.context import ServiceContext
from bot.services.delivery import METRIC
from bot.store import answers as answer_store
from bot.store.answers import AnswerView as AnswerView  # ballots and digests read answers from here
from bot.store.answers import answers_of as answers_of
from bot.store.models import AnswerPart
from bot.store.refs import member_ref
from bot.store.tenants import find_channel
from bot.unsaved import not_told

if TYPE_CHECKING:
    from bot.ports import ChatPort

log = logging.getLogger(__name__)


CAPPED_NOTE = (
    "Your answer to this scenario keeps at most {chars:,} characters in {replies} replies, "
    "so part of what you wrote was not recorded. Edit a reply to say it in fewer words."
)
FROZEN_NOTE = (
    "Voting on this scenario has closed, so your answer stays as it was revealed: "
    "edits and deletions made after the reveal do not change it or its votes."
)


async def _find_part(session: AsyncSession, event: Event) -> AnswerPart | None:
    """The recorded part for this platform message, within the message's space only."""
    assert isinstance(event, MessagePosted | MessageEdited | MessageDeleted)
    channel = await find_channel(session, ref=event.message.channel)
    if channel is None:
        return None
    return await answer_store.find_part(session, space_id=channel.space_id, message_id=event.message.id)


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
        reply = await record_reply(session, ctx, event)
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
            reply = await record_reply(session, ctx, event)
            notice = reply.notice
        else:
            reply = None
            assert part.id is not None
            _, chars = await answer_store.usage(session, answer_id=part.answer_id, except_part=part.id)
            text, cut = fit(event.text, chars)
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
