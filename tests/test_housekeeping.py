"""Old delivery claims are pruned; recent ones stay, so retries are still recognised."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import select

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.store.engine import Database
from bot.store.models import Delivery


async def _claims(db: Database) -> int:
    async with db.unit() as s:
        return int((await s.execute(select(func.count()).select_from(Delivery))).scalar_one())


async def test_claims_older_than_a_week_are_pruned_on_the_tick(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    await session.push("alice: /prep topics", delivery_id="old")
    await session.bot.tick(session.chat)
    assert await _claims(db) == 1  # a fresh claim survives the tick
    clock.advance(dt.timedelta(days=8))
    await session.push("alice: /prep help", delivery_id="new")
    await session.bot.tick(session.chat)
    async with db.unit() as s:
        keys = set((await s.execute(select(Delivery.key))).scalars().all())
    assert keys == {"cmd:new"}
    again = await session.push("alice: /prep help", delivery_id="new")
    assert again == []  # the recent claim still stops a retry
