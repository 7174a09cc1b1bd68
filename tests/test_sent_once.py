"""Scheduled messages are sent once and not lost, on SQLite and PostgreSQL.

The morning plan (and, through the same claim, the lonely-pairing note and the
weekly readiness report) is claimed with its send: an outage is retried on a
later tick that morning, a bounded number of times; closed DMs are recorded once
and never retried; two processes ticking on one database send it once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from pathlib import Path

from sqlalchemy import select

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.features import build_bot
from bot.router import Prepbot
from bot.services.context import ServiceContext
from bot.services.sent_once import ATTEMPTS
from bot.store.engine import Database
from bot.store.enums import DailyKind
from bot.store.models import DailyClaim
from tests.support.console import dms
from tests.support.discord_harness import Running

MORNING = dt.datetime(2026, 1, 6, 9, 0, 30, tzinfo=dt.UTC)
ERRORS = ("prepbot_undeliverable_total", {"reason": "error"})


def errors(session: ConsoleSession) -> float:
    return session.bot.ctx.metrics.value(ERRORS[0], **ERRORS[1])


async def plans(session: ConsoleSession) -> list[tuple[str, int, str, bool]]:
    """Each plan claim: its key, attempts, failure and whether it was sent."""
    async with session.bot.ctx.db.unit() as s:
        rows = (
            await s.execute(
                select(DailyClaim.key, DailyClaim.attempts, DailyClaim.failure, DailyClaim.sent_at)
                .where(DailyClaim.kind == DailyKind.PLAN)
                .order_by(DailyClaim.key)
            )
        ).all()
    return [(key, attempts, failure, sent is not None) for key, attempts, failure, sent in rows]


async def test_a_plan_that_met_an_outage_arrives_on_a_later_tick_once(
    session: ConsoleSession, clock: ManualClock
) -> None:
    await session.push("alice: /prep interview 2026-01-20")
    clock.set(MORNING)
    mark = len(session.chat.log)
    session.chat.outages = 1
    await session.bot.tick(session.chat)
    assert dms(session, "alice", mark) == [] and errors(session) == 1
    await session.bot.tick(session.chat)  # the next tick, within the back-off: not yet
    assert dms(session, "alice", mark) == [] and errors(session) == 1
    for minutes in (1, 2, 30):
        clock.set(MORNING + dt.timedelta(minutes=minutes))
        await session.bot.tick(session.chat)
    sent = dms(session, "alice", mark)
    assert len(sent) == 1 and "to your" in sent[0].text
    assert [(attempts, failure, done) for _, attempts, failure, done in await plans(session)] == [
        (2, "", True)
    ]


async def test_retries_are_bounded_and_a_new_day_is_a_new_plan(
    session: ConsoleSession, clock: ManualClock
) -> None:
    await session.push("alice: /prep interview 2026-01-20")
    clock.set(MORNING)
    mark = len(session.chat.log)
    session.chat.outages = 100
    for minutes in range(0, 60, 1):
        clock.set(MORNING + dt.timedelta(minutes=minutes))
        await session.bot.tick(session.chat)
    assert dms(session, "alice", mark) == []
    assert errors(session) == ATTEMPTS and session.chat.outages == 100 - ATTEMPTS
    assert [(a, f, done) for _, a, f, done in await plans(session)] == [(ATTEMPTS, "error", False)]
    session.chat.outages = 0
    clock.set(MORNING + dt.timedelta(days=1))
    await session.bot.tick(session.chat)
    assert len(dms(session, "alice", mark)) == 1  # yesterday's plan is never sent today


async def test_closed_dms_are_recorded_once_and_not_retried(
    session: ConsoleSession, clock: ManualClock
) -> None:
    for name in ("alice", "bob"):
        await session.push(f"{name}: /prep interview 2026-01-20")
    await session.push("dms closed bob")
    clock.set(MORNING)
    mark = len(session.chat.log)
    await session.bot.tick(session.chat)
    await session.push("dms open bob")  # opened later that morning: that plan is not sent again
    for minutes in (1, 5, 20):
        clock.set(MORNING + dt.timedelta(minutes=minutes))
        await session.bot.tick(session.chat)
    assert [len(dms(session, n, mark)) for n in ("alice", "bob")] == [1, 0]
    metrics = session.bot.ctx.metrics
    assert metrics.value("prepbot_undeliverable_total", reason="dm_closed") == 1 and errors(session) == 0
    assert sorted((a, f, done) for _, a, f, done in await plans(session)) == [
        (1, "", True),
        (1, "dm_closed", False),
    ]


async def test_two_processes_on_one_database_send_each_plan_once(
    session: ConsoleSession, ctx: ServiceContext, clock: ManualClock, database_url: str
) -> None:
    names = ("alice", "bob", "carol")
    for name in names:
        await session.push(f"{name}: /prep interview 2026-01-20")
    # A second replica: its own engine, context and core, on the same database.
    second = Database(database_url)
    other = build_bot(ServiceContext(second, ctx.library, clock, ctx.settings, random.Random(8)))
    try:
        await _tick_both(session, other, clock, names)
    finally:
        await second.dispose()


async def _tick_both(
    session: ConsoleSession, other: Prepbot, clock: ManualClock, names: tuple[str, ...]
) -> None:
    clock.set(MORNING)
    mark = len(session.chat.log)
    session.chat.outages = 1  # whichever process sends first meets an outage
    for minutes in (0, 0, 1, 2, 5):
        clock.set(MORNING + dt.timedelta(minutes=minutes))
        await asyncio.gather(session.bot.tick(session.chat), other.tick(session.chat))
    assert [len(dms(session, n, mark)) for n in names] == [1, 1, 1]
    assert [done for *_, done in await plans(session)] == [True, True, True]


async def test_a_readiness_report_that_met_an_outage_is_posted_once_later(
    ctx: ServiceContext, clock: ManualClock, tmp_path: Path
) -> None:
    from tests.test_readiness import FRIDAY, miss, reports

    session = ConsoleSession(build_bot(ctx), clock, files_dir=tmp_path)
    session.admins.add("alice")
    await session.push("alice: /prep schedule 09:00 UTC")
    for who in ("alice", "bob", "carol"):
        await miss(session, who, "culture-values")
    clock.set(FRIDAY - dt.timedelta(minutes=1))
    await session.bot.tick(session.chat)  # whatever else is due posts now, before the outage
    clock.set(FRIDAY)
    session.chat.outages = 1
    await session.bot.tick(session.chat)
    assert reports(session) == [] and session.chat.outages == 0
    for minutes in (1, 2, 10):
        clock.set(FRIDAY + dt.timedelta(minutes=minutes))
        await session.bot.tick(session.chat)
    assert len(reports(session)) == 1


async def test_on_discord_an_answer_lost_after_the_send_and_a_50007_each_end_in_one_outcome(
    app: Running,
) -> None:
    """The real client and port: a 500 after Discord created alice's plan, 50007 for bob."""
    fake, port = app.fake, app.client.handler.port
    for name in ("alice", "bob"):
        await app.send("INTERACTION_CREATE", fake.command(name, "interview", date="2026-01-20"))
        await fake.until(lambda name=name: [m for m in fake.whispers(name) if "to your" in str(m)])
    before = {name: len(fake.whispers(name)) for name in ("alice", "bob")}
    fake.close_dms("bob")
    fake.fail_after_create = 1  # created, but the answer is lost: the retry must not post again
    for minutes in (0, 1, 2, 10):
        app.clock.set(MORNING + dt.timedelta(minutes=minutes))
        await app.bot.tick(port)
        fake.dms_closed.discard(fake.people["bob"].id)  # opened later that morning: not retried
    await app.settle()
    assert [len(fake.whispers(n)) - before[n] for n in ("alice", "bob")] == [1, 0]
    assert fake.fail_after_create == 0  # the lost answer did happen, to alice's plan
    assert app.bot.ctx.metrics.value("prepbot_undeliverable_total", reason="dm_closed") == 1
