"""A reply in a prompt's thread, sorted and stored: an answer, a comment, or a late answer.

A reply to a prompt still taking votes starts or extends the member's one answer,
within its bounds (:data:`MAX_REPLIES` replies, :data:`MAX_ANSWER_CHARS`
characters; what does not fit is cut, and the author is owed a note). A short
first reply is a comment (not on the ballot); a reply after the reveal is kept as
a late answer (not scored). Each writes in the caller's transaction and returns a
:class:`Reply` saying what the bot owes the author afterwards (``bot.services.answers``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import MemberRef
from bot.events import MessageEdited, MessagePosted
from bot.services.context import ServiceContext
from bot.store import answers as answer_store
from bot.store import notices
from bot.store import prompts as store
from bot.store.enums import NoticeKind
from bot.store.models import Member, PromptPost
from bot.store.tenants import ensure_member, find_channel

MAX_REPLIES = 10  # replies that make one answer; more are not recorded
MAX_ANSWER_CHARS = 4000  # characters one answer keeps, all its replies together


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


@dataclass(frozen=True)
class Notice:
    """A private note owed to an answer's author (told once per answer)."""

    answer_id: int
    about: Literal["frozen", "capped"]
    member: MemberRef


def fit(text: str, used_chars: int) -> tuple[str, bool]:
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
    text, cut = fit(event.text, chars)
    if replies < MAX_REPLIES and text.strip():
        await answer_store.add_part(session, answer=answer, message_id=event.message.id, text=text, at=now)
    else:
        cut = True
    return bool(started), Notice(answer.id, "capped", event.member) if cut else None


Outcome = Literal["none", "ignored", "answer", "started", "comment", "late"]


@dataclass(frozen=True)
class Reply:
    """What a thread reply turned out to be, and what the bot owes its author afterwards."""

    outcome: Outcome
    prompt: PromptPost | None = None
    member: Member | None = None
    notify: bool = False  # a once-only note to the author (comment hint, late answer) was claimed
    notice: Notice | None = None  # the answer was cut to its bounds


async def record_reply(
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
