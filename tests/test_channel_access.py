"""Channels prepbot cannot post in: refused with the invite step, or paused with one DM to the setter."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import col, select

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.domain import ChannelRef, MessageRef
from bot.render import OutboundMessage
from bot.services.delivery import channel_fix
from bot.store.engine import Database
from bot.store.models import Channel, PromptPost
from tests.support.console import dms, ephemerals, public

INVITE = "Invite prepbot first: type `/invite @prepbot` in this channel, then run the command again"


async def _channel(db: Database, name: str) -> Channel:
    async with db.unit() as s:
        return (await s.execute(select(Channel).where(col(Channel.external_id) == name))).scalar_one()


async def _at(session: ConsoleSession, clock: ManualClock, instant: dt.datetime) -> None:
    """Jump to ``instant`` and run two ticks there (a few seconds apart, as the scheduler does)."""
    clock.set(instant)
    await session.bot.tick(session.chat)
    clock.set(instant + dt.timedelta(seconds=5))
    await session.bot.tick(session.chat)


async def _prompts(db: Database) -> list[PromptPost]:
    async with db.unit() as s:
        return list((await s.execute(select(PromptPost).order_by(col(PromptPost.id)))).scalars().all())


async def test_schedule_and_prompt_in_a_private_channel_say_invite_and_save_nothing(
    session: ConsoleSession, db: Database
) -> None:
    session.admins.add("alice")
    await session.push("channel private secret")
    await session.push("channel secret")
    for command in ("/prep schedule 09:30 Europe/London mon-fri", "/prep prompt"):
        sent = await session.push(f"alice: {command}")
        assert len(sent) == 1 and sent[0].visible_to == "alice" and INVITE in sent[0].text
    assert (await _channel(db, "secret")).post_time is None
    assert await _prompts(db) == []
    assert session.bot.ctx.metrics.value("prepbot_undeliverable_total", reason="not_in_channel") == 2
    # Once invited, the same command works.
    await session.push("channel open secret")
    sent = await session.push("alice: /prep schedule 09:30 Europe/London mon-fri")
    assert "Daily culture prompt set" in sent[0].text
    # `schedule off` needs no access to the channel.
    await session.push("channel private secret")
    assert "now off" in (await session.push("alice: /prep schedule off"))[0].text


def test_the_fix_names_the_platforms_own_step() -> None:
    assert channel_fix("slack", "not_in_channel") == INVITE + "."
    discord = channel_fix("discord", "no_access")
    assert "invite" in discord.lower() and "View Channel and Send Messages permissions" in discord
    assert "unarchive" in channel_fix("slack", "archived") and "invite" in channel_fix("discord", "archived")


async def test_a_blocked_channel_pauses_its_schedule_tells_the_setter_once_and_resumes(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    session.admins.add("alice")
    await session.push("channel team")
    await session.push("alice: /prep schedule 09:30 UTC")
    await session.push("channel blocked team not_in_channel")
    clock.set(dt.datetime(2026, 1, 6, 9, 30, 5, tzinfo=dt.UTC))
    for _ in range(4):  # the tick runs every few seconds: no retries against a closed door
        await session.bot.tick(session.chat)
        clock.set(clock.now() + dt.timedelta(seconds=5))
    told = dms(session, "alice")
    assert len(told) == 1 and "paused the daily culture prompts in #team" in told[0].text
    assert "`/invite @prepbot` in #team" in told[0].text and "`/prep schedule 09:30 UTC`" in told[0].text
    channel = await _channel(db, "team")
    assert channel.paused_at is not None and channel.paused_reason == "not_in_channel"
    assert [p.status for p in await _prompts(db)] == ["failed"]
    assert session.bot.ctx.metrics.value("prepbot_undeliverable_total", reason="not_in_channel") == 1
    # The next day nothing is tried and nobody is told again.
    await _at(session, clock, dt.datetime(2026, 1, 7, 9, 30, 5, tzinfo=dt.UTC))
    assert len(dms(session, "alice")) == 1 and len(await _prompts(db)) == 1
    # Invited back, `/prep schedule` resumes it; the next morning posts.
    await session.push("channel open team")
    sent = await session.push("alice: /prep schedule 09:30 UTC")
    assert "resumed" in sent[0].text
    assert (await _channel(db, "team")).paused_at is None
    await _at(session, clock, dt.datetime(2026, 1, 8, 9, 30, 5, tzinfo=dt.UTC))
    assert [p.status for p in await _prompts(db)] == ["failed", "open"]
    assert any("Today's culture scenario" in s.text for s in public(session, "team"))


async def test_a_digest_that_cannot_be_posted_is_held_and_sent_after_resume(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    session.admins.add("alice")
    await session.push("channel team")
    await session.push("alice: /prep schedule 09:30 UTC")
    await session.move_clock("2026-01-05 09:31 UTC")  # the console's clock starts at 08:00 that day
    await session.push(
        "bob: reply I would write down what I assumed, and check it with the team before acting."
    )
    await session.push("channel blocked team archived")
    # Voting closes 5 minutes before the next post.
    await _at(session, clock, dt.datetime(2026, 1, 6, 9, 25, 5, tzinfo=dt.UTC))
    assert [p.status for p in await _prompts(db)] == ["stuck"]
    told = dms(session, "alice")
    assert len(told) == 1 and "archived" in told[0].text
    # `/prep reveal` in the archived channel explains instead of failing generically.
    mark = len(session.chat.log)
    await session.push("alice: /prep reveal")
    assert "archived" in ephemerals(session, "alice", mark)[0].text
    await session.move_clock("+1h")
    assert len(dms(session, "alice")) == 1
    # Unarchived and resumed: the held digest goes out on the next tick.
    await session.push("channel open team")
    await session.push("alice: /prep schedule 09:30 UTC")
    await session.push("tick")
    assert any("Voting is closed" in s.text for s in session.chat.log if s.in_thread)
    assert (await _prompts(db))[0].status == "revealed"


async def test_a_transient_failure_is_retried_and_pauses_nothing(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    session.admins.add("alice")
    await session.push("channel team")
    await session.push("alice: /prep schedule 09:30 UTC")
    real_post = session.chat.post
    calls = 0

    async def flaky(channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("platform outage")
        return await real_post(channel, message)

    session.chat.post = flaky  # type: ignore[method-assign]
    await session.move_clock("2026-01-05 09:31 UTC")
    assert calls >= 2 and [p.status for p in await _prompts(db)] == ["open"]
    assert (await _channel(db, "team")).paused_at is None and dms(session, "alice") == []


async def test_reminders_and_the_schedule_of_other_channels_carry_on(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    session.admins.add("alice")
    for name in ("one", "two"):
        await session.push(f"channel {name}")
        await session.push("alice: /prep schedule 09:30 UTC reminders")
    await session.push("channel blocked one channel_not_found")
    await _at(session, clock, dt.datetime(2026, 1, 5, 9, 30, 5, tzinfo=dt.UTC))
    assert any("Today's culture scenario" in s.text for s in public(session, "two"))
    async with db.unit() as s:
        paused = (
            await s.execute(select(func.count()).where(col(Channel.paused_at).is_not(None)))
        ).scalar_one()
    assert paused == 1
    await session.push("bob: /prep reminders on")
    await _at(session, clock, dt.datetime(2026, 1, 6, 7, 25, 5, tzinfo=dt.UTC))  # 2 h before voting closes
    [reminder] = dms(session, "bob")  # the reachable channel's prompt; nothing about the paused one
    assert "#two" in reminder.text and "closes in about 2 hours" in reminder.text
    assert not any("closes" in s.text for s in session.chat.log if s.in_thread)
