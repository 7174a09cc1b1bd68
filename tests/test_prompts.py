"""Scheduled and extra culture prompts on real SQLite and PostgreSQL: exactly once, in rotation."""

from __future__ import annotations

import asyncio
import datetime as dt
import random

import pytest
from sqlmodel import col, select

from adapters.console.chat import ConsoleChat, Sent
from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.domain import MessageRef
from bot.render import OutboundMessage
from bot.services.context import ServiceContext
from bot.services.prompts import BALLOT_ACTION, post_due, post_now
from bot.store.engine import Database
from bot.store.models import Channel, PromptPost
from bot.turn import Turn

UTC = dt.UTC
# Monday 5 January 2026, 09:30 in New York (EST, UTC-5).
POSTING = dt.datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


class RecordingChat(ConsoleChat):
    """The console port, plus: count opened threads, and fail the next ``fail_posts`` posts."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[str] = []
        self.fail_posts = 0

    async def post(self, channel, message: OutboundMessage) -> MessageRef:  # type: ignore[no-untyped-def]
        if self.fail_posts:
            self.fail_posts -= 1
            raise ConnectionError("platform unavailable")
        return await super().post(channel, message)

    async def open_thread(self, parent: MessageRef, name: str) -> MessageRef:
        self.threads.append(parent.id)
        return await super().open_thread(parent, name)


def prompt_posts(chat: ConsoleChat) -> list[Sent]:
    return [
        s
        for s in chat.log
        if s.author == "prepbot" and any(b.action == BALLOT_ACTION for b in s.message.buttons)
    ]


async def schedule(session: ConsoleSession, spec: str = "09:30 America/New_York mon-fri") -> None:
    session.admins.add("alice")
    await session.push(f"alice: /prep schedule {spec}")


async def rows(db: Database) -> list[PromptPost]:
    async with db.unit() as s:
        return list((await s.execute(select(PromptPost).order_by(col(PromptPost.id)))).scalars().all())


async def test_schedule_is_stored_and_refused_politely_when_wrong(
    session: ConsoleSession, db: Database
) -> None:
    session.admins.add("alice")
    sent = await session.push("alice: /prep schedule 09:30 america/new_york mon-fri")
    assert "09:30 America/New_York, mon-fri" in sent[0].text and sent[0].is_private
    async with db.unit() as s:
        channel = (await s.execute(select(Channel))).scalars().one()
    assert (channel.post_time, channel.timezone, channel.weekdays) == (
        "09:30",
        "America/New_York",
        "0,1,2,3,4",
    )
    bad = await session.push("alice: /prep schedule 09:30 Europe/Londn")
    assert "Did you mean `Europe/London`" in bad[0].text and bad[0].is_private
    refused = await session.push("bob: /prep schedule 10:00")
    assert "admins" in refused[0].text
    off = await session.push("alice: /prep schedule off")
    assert "now off" in off[0].text


async def test_posts_at_its_minute_never_before_and_only_once(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    session.chat = chat = RecordingChat()
    await schedule(session)
    clock.set(POSTING - dt.timedelta(seconds=1))
    await session.push("tick")
    assert prompt_posts(chat) == []
    clock.set(POSTING)
    for _ in range(3):
        await session.push("tick")
    [post] = prompt_posts(chat)
    assert post.text.startswith("Today's culture scenario: ") and not post.in_thread
    assert chat.threads == [post.ref.id]  # the thread is opened on the post (Discord needs it)
    [row] = await rows(db)
    assert (row.status, row.local_date, row.message_id) == ("open", dt.date(2026, 1, 5), post.ref.id)


def _at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (  # New York springs forward on 8 March 2026 at 02:00: EST (UTC-5) → EDT (UTC-4)
            "09:30 America/New_York",
            {6: _at(2026, 3, 6, 14, 30), 7: _at(2026, 3, 7, 14, 30), 8: _at(2026, 3, 8, 13, 30)},
        ),
        (  # New York falls back on 1 November 2026: EDT → EST
            "09:30 America/New_York",
            {31: _at(2026, 10, 31, 13, 30), 1: _at(2026, 11, 1, 14, 30), 2: _at(2026, 11, 2, 14, 30)},
        ),
        (  # London springs forward on 29 March 2026 at 01:00: GMT → BST (UTC+1)
            "08:00 Europe/London",
            {28: _at(2026, 3, 28, 8, 0), 29: _at(2026, 3, 29, 7, 0), 30: _at(2026, 3, 30, 7, 0)},
        ),
        (  # London falls back on 25 October 2026; 01:30 happens twice and posts once, at the first
            "01:30 Europe/London",
            {24: _at(2026, 10, 24, 0, 30), 25: _at(2026, 10, 25, 0, 30), 26: _at(2026, 10, 26, 1, 30)},
        ),
    ],
    ids=["new-york-march", "new-york-november", "london-march", "london-october-overlap"],
)
async def test_dst_changes_post_each_local_day_once_at_the_right_instant(
    session: ConsoleSession, clock: ManualClock, db: Database, spec: str, expected: dict[int, dt.datetime]
) -> None:
    first = min(expected.values())
    clock.set(first - dt.timedelta(hours=12))
    await schedule(session, spec)
    for instant in expected.values():
        clock.set(instant - dt.timedelta(seconds=1))
        await session.push("tick")
        clock.set(instant)
        await session.push("tick")
        # An hour later (on a fall-back night, the same wall-clock time again) nothing more posts.
        clock.set(instant + dt.timedelta(hours=1))
        await session.push("tick")
    posted = {r.local_date.day: r.posted_at for r in await rows(db) if r.local_date}
    assert posted == expected


async def test_a_failed_send_is_retried_not_forgotten(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    session.chat = chat = RecordingChat()
    await schedule(session)
    chat.fail_posts = 1
    clock.set(POSTING)
    await session.push("tick")
    assert prompt_posts(chat) == []
    [row] = await rows(db)
    assert row.status == "claimed" and row.message_id is None and "platform unavailable" in row.reason
    clock.set(POSTING + dt.timedelta(seconds=10))
    await session.push("tick")
    await session.push("tick")
    assert len(prompt_posts(chat)) == 1


async def test_a_dead_senders_claim_waits_for_its_lease_then_is_retried(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    await schedule(session)
    clock.set(POSTING)
    async with db.unit() as s:
        channel = (await s.execute(select(Channel))).scalars().one()
        assert channel.id is not None
        # Another process claimed today's post and took the lease, then died before sending.
        s.add(
            PromptPost(
                space_id=channel.space_id,
                channel_id=channel.id,
                scenario_id="cv-sc-throttle-bad-client",
                local_date=dt.date(2026, 1, 5),
                lease_until=POSTING + dt.timedelta(seconds=60),
            )
        )
    await session.push("tick")
    assert prompt_posts(session.chat) == []  # its lease is still live: it might be sending
    clock.set(POSTING + dt.timedelta(seconds=61))
    await session.push("tick")
    await session.push("tick")
    [post] = prompt_posts(session.chat)
    assert "Throttling a misbehaving app version" in post.text


async def test_catch_up_posts_within_the_grace_window_only(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    await schedule(session)
    clock.set(POSTING + dt.timedelta(hours=1, minutes=59))
    await session.push("tick")
    assert len(prompt_posts(session.chat)) == 1
    # Tuesday's post is missed by more than catch_up_hours (2h): too late, not posted.
    clock.set(POSTING + dt.timedelta(days=1, hours=2, minutes=1))
    await session.push("tick")
    assert len(prompt_posts(session.chat)) == 1


async def test_setting_a_schedule_after_todays_time_does_not_post_a_past_one(
    session: ConsoleSession, clock: ManualClock
) -> None:
    clock.set(POSTING + dt.timedelta(minutes=30))
    await schedule(session)
    await session.push("tick")
    assert prompt_posts(session.chat) == []
    await session.push("clock 2026-01-06 09:30 America/New_York")
    assert len(prompt_posts(session.chat)) == 1


async def test_concurrent_ticks_from_two_bots_on_one_database_post_once(
    ctx: ServiceContext, session: ConsoleSession, clock: ManualClock, database_url: str
) -> None:
    await schedule(session)
    clock.set(POSTING)
    other_db = Database(database_url)  # a second process: its own engine and pool
    try:
        other = ServiceContext(db=other_db, library=ctx.library, clock=clock, settings=ctx.settings)
        chats = [ConsoleChat(), ConsoleChat()]
        await asyncio.gather(
            *(post_due(c, chat) for c, chat in [(ctx, chats[0]), (other, chats[1])] for _ in range(5))
        )
    finally:
        await other_db.dispose()
    assert len(prompt_posts(chats[0])) + len(prompt_posts(chats[1])) == 1


async def test_extra_prompt_posts_once_per_delivery_and_rotates(
    session: ConsoleSession, db: Database, ctx: ServiceContext
) -> None:
    session.admins.add("alice")
    await session.push("alice: /prep prompt", delivery_id="slack-1")
    await session.push("alice: /prep prompt", delivery_id="slack-1")  # Slack's retry
    assert len(prompt_posts(session.chat)) == 1
    # Even past the router's delivery check, the (channel, delivery) claim posts once.
    turn = Turn(ctx, session.chat, session.current, session.member("alice"), "slack-1")
    await post_now(turn, ())
    assert len(prompt_posts(session.chat)) == 1
    refused = await session.push("bob: /prep prompt")
    assert "admins" in refused[0].text


async def test_no_scenario_repeats_until_the_pack_is_used_up(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    ctx.rng = random.Random(3)
    total = len(ctx.library.default.scenarios())
    session.admins.add("alice")
    for _ in range(total + 1):
        await session.push("alice: /prep prompt")
    titles = [p.message.text for p in prompt_posts(session.chat)]
    assert len(set(titles[:total])) == total
    assert titles[total] in titles[:total]  # the cycle starts again only then
