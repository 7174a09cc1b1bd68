"""A thread reply that was stored stays "saved" when what follows it fails.

Storing a reply commits it with its delivery's claim; word to voters of a new answer
and the note about a capped answer come after, in units of their own. When the
database fails them (really locked by another connection, ``tests.support.locks``,
taken the moment the first voter is told), the author must not hear "not saved"
(they would post it twice), the reply is kept once, and the delivery stays claimed
so a platform's retry of it is dropped.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlmodel import select

from adapters.console.chat import ConsoleChat
from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.content import Library
from bot.domain import MemberRef, MessageRef
from bot.events import MessagePosted
from bot.features import build_bot
from bot.render import OutboundMessage
from bot.services.answer_replies import MAX_ANSWER_CHARS
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store.engine import Database
from bot.store.enums import NoticeKind
from bot.store.migrate import upgrade
from bot.store.models import AnswerPart, Delivery, Member, PromptPost
from bot.unsaved import EDIT_NOT_SAVED, NOT_SAVED
from tests.support.console import dms
from tests.support.locks import Holder, PostgresHolder, lockable

OTHERS = {
    "erin": "Say openly in the incident channel what I reversed and why, so everyone shares one picture.",
    "frank": "Ask what the customer impact is, then decide with the owners whether to roll back now.",
}
# Longer than an answer keeps: storing it owes its author the "capped" note, a write of its own.
LONG = "Roll back first, then find the cause together with the owners of the service. " * 60
FOLLOW_UP_TABLES = "promptnotice, answer"  # what telling voters and the capped note write (PostgreSQL)


class HookedChat(ConsoleChat):
    """The console's platform, running ``hook`` once right after the first direct message it delivers."""

    def __init__(self) -> None:
        super().__init__()
        self.hook: Callable[[], Awaitable[None]] | None = None

    async def direct(self, member: MemberRef, message: OutboundMessage) -> MessageRef:
        ref = await super().direct(member, message)
        hook, self.hook = self.hook, None
        if hook is not None:
            await hook()
        return ref


@asynccontextmanager
async def _voted(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    library: Library,
    clock: ManualClock,
) -> AsyncIterator[tuple[ConsoleSession, HookedChat, Holder, Database]]:
    """A prompt with two answers, and two members (carol, dave) who already voted on it."""
    async with lockable(request, tmp_path, monkeypatch) as (url, holder):
        db = Database(url)
        await upgrade(db)
        try:
            settings = Settings(PREPBOT_MIN_ANSWER_CHARS=60)  # type: ignore[call-arg]
            ctx = ServiceContext(db=db, library=library, clock=clock, settings=settings, rng=random.Random(7))
            session = ConsoleSession(build_bot(ctx), clock)
            chat = session.chat = HookedChat()
            session.admins.add("alice")
            await session.push("alice: /prep prompt")
            for name, text in OTHERS.items():
                await session.push(f"{name}: reply {text}")
            for voter in ("carol", "dave"):
                await session.push(f"{voter}: press Vote")
                await session.push(f"{voter}: press 1")
            yield session, chat, holder, db
        finally:
            await db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def voted(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    library: Library,
    clock: ManualClock,
) -> AsyncIterator[tuple[ConsoleSession, HookedChat, Holder, Database]]:
    async with _voted(request, tmp_path, monkeypatch, library, clock) as found:
        yield found


@pytest.fixture(params=["postgresql"])  # table and row locks: SQLite locks only the whole file
async def voted_pg(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    library: Library,
    clock: ManualClock,
) -> AsyncIterator[tuple[ConsoleSession, HookedChat, Holder, Database]]:
    async with _voted(request, tmp_path, monkeypatch, library, clock) as found:
        yield found


async def _parts(db: Database) -> list[str]:
    async with db.unit() as s:
        return [p.text for p in (await s.execute(select(AnswerPart))).scalars().all()]


async def _claimed(db: Database, key: str) -> bool:
    async with db.unit() as s:
        return (await s.execute(select(Delivery).where(Delivery.key == key))).first() is not None


def _voters_told(session: ConsoleSession) -> list[str]:
    return [v for v in ("carol", "dave") if any("New answers arrived" in s.text for s in dms(session, v))]


async def test_a_stored_reply_is_not_reported_unsaved_when_telling_voters_and_its_note_fail(
    voted: tuple[ConsoleSession, HookedChat, Holder, Database], caplog: pytest.LogCaptureFixture
) -> None:
    session, chat, holder, db = voted
    caplog.set_level(logging.DEBUG)
    chat.hook = lambda: holder.hold_on(FOLLOW_UP_TABLES)  # after the first voter hears, the database locks
    try:
        sent = await session.push(f"bob: reply {LONG}")
    finally:
        await holder.let_go()

    assert [s for s in sent if s.visible_to == "bob"] == []  # no "not saved", and the capped note failed
    assert NOT_SAVED not in [s.message.text for s in session.chat.log]
    assert len(_voters_told(session)) == 1  # the other voter's notice could not be claimed
    assert sorted(await _parts(db)) == sorted([*OTHERS.values(), LONG[:MAX_ANSWER_CHARS]])
    assert LONG[:200] not in caplog.text  # the failures are logged by ids, never with the words

    # The delivery stays claimed: the platform's retry of the same message is dropped.
    reply = next(s for s in session.chat.log if s.author == "bob")
    assert await _claimed(db, f"msg:posted:{reply.ref.channel.id}:{reply.ref.id}")
    start = len(session.chat.log)
    await session.bot.handle(MessagePosted(reply.ref, session.member("bob"), LONG), session.chat)
    assert session.chat.log[start:] == []
    assert sorted(await _parts(db)) == sorted([*OTHERS.values(), LONG[:MAX_ANSWER_CHARS]])


async def test_an_edit_that_turns_a_comment_into_an_answer_is_not_reported_unsaved_when_voters_cannot_be_told(
    voted: tuple[ConsoleSession, HookedChat, Holder, Database],
) -> None:
    session, chat, holder, db = voted
    await session.push("bob: reply following along")  # a comment: no answer yet
    chat.hook = lambda: holder.hold_on(FOLLOW_UP_TABLES)
    try:
        sent = await session.push(f"bob: edit {LONG}")  # now an answer: voters are told of it
    finally:
        await holder.let_go()

    assert EDIT_NOT_SAVED not in [s.message.text for s in sent]
    assert [s for s in sent if s.visible_to == "bob"] == []
    assert len(_voters_told(session)) == 1
    assert LONG[:MAX_ANSWER_CHARS] in await _parts(db)


async def test_a_stored_answer_is_not_reported_unsaved_when_its_voters_cannot_be_read(
    voted_pg: tuple[ConsoleSession, HookedChat, Holder, Database],
) -> None:
    """Telling voters fails in its first read (the notices table is locked); the answer is kept."""
    session, _, holder, db = voted_pg
    async with holder.hold("promptnotice"):
        sent = await session.push(f"bob: reply {OTHERS['erin']} And I would page the owners.")
    assert [s for s in sent if s.visible_to == "bob"] == []
    assert _voters_told(session) == []
    assert f"{OTHERS['erin']} And I would page the owners." in await _parts(db)


async def test_one_voter_who_cannot_be_told_does_not_stop_the_others(
    voted_pg: tuple[ConsoleSession, HookedChat, Holder, Database],
) -> None:
    """Another connection's uncommitted notice for carol makes hers wait out the lock timeout."""
    session, _, holder, db = voted_pg
    assert isinstance(holder, PostgresHolder)
    async with db.unit() as s:
        prompt_id, space_id = (await s.execute(select(PromptPost.id, PromptPost.space_id))).one()
        carol = (await s.execute(select(Member.id).where(Member.external_id == "carol"))).scalar_one()
    async with holder.other.transaction():
        await holder.other.execute(
            "INSERT INTO promptnotice (space_id, prompt_id, member_id, kind, created_at) "
            "VALUES ($1, $2, $3, $4, now())",
            space_id,
            prompt_id,
            carol,
            NoticeKind.NEW_ANSWERS.value,
        )
        sent = await session.push(f"bob: reply {LONG[:300]}")
        told = _voters_told(session)
    assert [s for s in sent if s.visible_to == "bob"] == []
    assert told == ["dave"]
