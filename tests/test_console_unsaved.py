"""A thread reply the console could not store: its author is told privately, and posting again works.

The console never sends a message again (as Discord's gateway), so the member
hears at once, without their words being quoted or logged. The database is
really locked by another connection (``tests.support.locks``).
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.content import Library
from bot.features import build_bot
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store.engine import Database
from bot.store.migrate import upgrade
from bot.store.models import AnswerPart
from bot.unsaved import EDIT_NOT_SAVED, NOT_SAVED
from tests.support.locks import Holder, lockable

ANSWER = "Roll back first, then find the cause together with the owners of the service."


@pytest.fixture(params=["sqlite", "postgresql"])
async def locked(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    library: Library,
    clock: ManualClock,
) -> AsyncIterator[tuple[ConsoleSession, Holder, Database]]:
    async with lockable(request, tmp_path, monkeypatch) as (url, holder):
        db = Database(url)
        await upgrade(db)
        try:
            settings = Settings(PREPBOT_MIN_ANSWER_CHARS=0)  # type: ignore[call-arg]
            ctx = ServiceContext(db=db, library=library, clock=clock, settings=settings, rng=random.Random(7))
            session = ConsoleSession(build_bot(ctx), clock)
            session.admins.add("alice")
            await session.push("alice: /prep prompt")
            yield session, holder, db
        finally:
            await db.dispose()


async def _parts(db: Database) -> list[str]:
    async with db.unit() as s:
        return [p.text for p in (await s.execute(select(AnswerPart))).scalars().all()]


async def test_a_reply_that_could_not_be_stored_is_answered_privately_and_posting_again_stores_it(
    locked: tuple[ConsoleSession, Holder, Database], caplog: pytest.LogCaptureFixture
) -> None:
    session, holder, db = locked
    caplog.set_level(logging.DEBUG)
    async with holder.hold():
        sent = await session.push(f"bob: reply {ANSWER}")
    assert [(s.visible_to, s.message.text) for s in sent] == [("bob", NOT_SAVED)]
    assert ANSWER not in caplog.text
    assert await _parts(db) == []

    sent = await session.push(f"bob: reply {ANSWER}")
    assert NOT_SAVED not in [s.message.text for s in sent]
    assert await _parts(db) == [ANSWER]


async def test_an_unsaved_edit_is_answered_and_a_top_level_message_is_not(
    locked: tuple[ConsoleSession, Holder, Database],
) -> None:
    session, holder, db = locked
    await session.push(f"bob: reply {ANSWER}")
    async with holder.hold():
        edited = await session.push("bob: edit Page the owner first.")
        said = await session.push("bob: say good morning")
    assert [(s.visible_to, s.message.text) for s in edited] == [("bob", EDIT_NOT_SAVED)]
    assert said == []
    assert await _parts(db) == [ANSWER]
