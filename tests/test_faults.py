"""Faults: the database away for ten seconds while members vote."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func
from sqlmodel import select

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.content import Library
from bot.features import build_bot
from bot.router import DATABASE_DOWN
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store.engine import Database
from bot.store.migrate import upgrade
from bot.store.models import Delivery, Vote
from tests.support.postgres import PostgresCluster

OUTAGE_SECONDS = 10


@pytest.fixture
async def own_cluster() -> AsyncIterator[PostgresCluster]:
    """A cluster of this test's own: stopping it must not disturb the shared one."""
    cluster = PostgresCluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


async def _count(db: Database, model: type) -> int:
    async with db.unit() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_votes_during_a_database_outage_are_refused_clearly_and_recover(
    own_cluster: PostgresCluster, library: Library
) -> None:
    db = Database(own_cluster.new_database())
    await upgrade(db)
    ctx = ServiceContext(
        db=db, library=library, clock=ManualClock(), settings=Settings(), rng=random.Random(1)
    )
    session = ConsoleSession(build_bot(ctx), ctx.clock)  # type: ignore[arg-type]
    try:
        session.admins.add("alice")
        await session.push("alice: /prep prompt")
        await session.push("bob: reply Roll back first, then explain to the partner team what I assumed.")
        await session.push("carol: reply Page the owner, then write it up together in a blameless review.")
        await session.push("alice: press Vote")
        deliveries_before = await _count(db, Delivery)

        own_cluster.pause()
        refused = []
        for _ in range(3):
            refused += await session.push("alice: press 1")
            await asyncio.sleep(OUTAGE_SECONDS / 3)
        own_cluster.resume()

        assert [s.text for s in refused] == [DATABASE_DOWN] * 3
        assert all(s.visible_to == "alice" for s in refused)
        assert await _count(db, Vote) == 0  # nothing half-written
        assert await _count(db, Delivery) == deliveries_before

        accepted = await session.push("alice: press 1")
        assert accepted and DATABASE_DOWN not in accepted[0].text
        assert await _count(db, Vote) == 1
        digest = await session.push("alice: /prep reveal")
        assert any("1 vote" in s.text for s in digest)
        assert ctx.metrics.value("prepbot_errors_total", kind="database") == 3
    finally:
        await db.dispose()
