"""The bulk fan-out (bot.services.fanout) on real SQLite and PostgreSQL: every channel once, none lost.

Many channels in several spaces are due at one minute; their claims, leases and
records go in bulk. Two processes racing, a batch where some sends fail, a post
that reached the platform before its sender died unrecorded, and the team-focus
figures read for many channels at once must all come out as for a single post.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from adapters.console.chat import ConsoleChat
from adapters.slack.port import SlackPort, make_client
from bot.clock import ManualClock
from bot.domain import ChannelRef, MemberRef, MessageRef, SpaceRef
from bot.ports import Undeliverable
from bot.render import OutboundMessage
from bot.services import fanout
from bot.services.context import ServiceContext
from bot.services.prompts import SEND_LEASE, compose, post_due
from bot.store import fanout as bulk
from bot.store import prompts as store
from bot.store import quizzes
from bot.store.engine import Database
from bot.store.models import Answer, Channel, PromptPost, QuizAttempt
from bot.store.tenants import ensure_channel, ensure_member
from tests.support.fake_slack import FakeSlack

POSTING = dt.datetime(2026, 1, 5, 9, 0, 5, tzinfo=dt.UTC)
SPACES = [SpaceRef("slack", f"T0BULK{n}") for n in range(4)]
CHANNELS = [ChannelRef(space, f"C0{s}ROOM{n:02d}") for s, space in enumerate(SPACES) for n in range(15)]


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # Sixty channels then span several batches and workers, as a thousand do with the real sizes.
    monkeypatch.setattr(fanout, "BATCH", 7)
    monkeypatch.setattr(fanout, "WORKERS", 3)


async def _schedule(db: Database, channels: list[ChannelRef] = CHANNELS) -> dict[str, int]:
    """Schedule every channel daily at 09:00 UTC, set the day before; returns their row ids."""
    ids = {}
    async with db.unit() as session:
        for ref in channels:
            channel = await ensure_channel(session, ref=ref)
            channel.post_time = "09:00"
            channel.schedule_from = POSTING - dt.timedelta(days=1)
            session.add(channel)
            await session.flush()
            assert channel.id is not None
            ids[ref.id] = channel.id
    return ids


def _posted(*chats: ConsoleChat) -> Counter[str]:
    return Counter(s.ref.channel.id for chat in chats for s in chat.log if s.author == "prepbot")


async def _rows(db: Database) -> list[PromptPost]:
    async with db.unit() as session:
        return list((await session.execute(select(PromptPost).order_by(col(PromptPost.id)))).scalars().all())


async def test_two_processes_fanning_out_at_once_post_each_channel_once(
    ctx: ServiceContext, clock: ManualClock, database_url: str
) -> None:
    await _schedule(ctx.db)
    clock.set(POSTING)
    other_db = Database(database_url)  # a second process: its own engine and pool
    try:
        other = ServiceContext(db=other_db, library=ctx.library, clock=clock, settings=ctx.settings)
        chats = [ConsoleChat(), ConsoleChat()]
        counts = await asyncio.gather(
            *(post_due(c, chat) for c, chat in [(ctx, chats[0]), (other, chats[1])] for _ in range(3))
        )
    finally:
        await other_db.dispose()
    assert _posted(*chats) == Counter({c.id: 1 for c in CHANNELS})
    assert sum(counts) == len(CHANNELS)
    rows = await _rows(ctx.db)
    assert len(rows) == len(CHANNELS)
    assert {r.status for r in rows} == {"open"} and all(r.message_id and r.attempts == 1 for r in rows)
    # The next tick finds nothing left to do.
    clock.set(POSTING + dt.timedelta(seconds=5))
    assert await post_due(ctx, chats[0]) == 0


class FlakyChat(ConsoleChat):
    """Fails the first post to some channels (an outage), and every post to a deleted one."""

    def __init__(self, flaky: set[str], gone: str) -> None:
        super().__init__()
        self.flaky, self.gone = set(flaky), gone

    async def post(self, channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        if channel.id == self.gone:
            raise Undeliverable("channel_not_found", target=channel.id)
        if channel.id in self.flaky:
            self.flaky.discard(channel.id)
            raise ConnectionError("platform unavailable")
        return await super().post(channel, message)


async def test_a_batch_with_failed_sends_records_the_rest_and_retries_only_the_failed(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    await _schedule(ctx.db)
    flaky = {CHANNELS[3].id, CHANNELS[4].id, CHANNELS[40].id}
    gone = CHANNELS[20].id
    chat = FlakyChat(flaky, gone)
    clock.set(POSTING)
    assert await post_due(ctx, chat) == len(CHANNELS) - 4
    by_channel = {r.channel_id: r for r in await _rows(ctx.db)}
    ids = await _schedule(ctx.db)  # the same rows: their ids
    for ref in CHANNELS:
        row = by_channel[ids[ref.id]]
        if ref.id in flaky:
            assert row.status == "claimed" and row.lease_until is None and "unavailable" in row.reason
        elif ref.id == gone:
            assert row.status == "failed" and row.reason == "channel_not_found"
        else:
            assert row.status == "open" and row.message_id
    async with ctx.db.unit() as session:
        paused = (await session.execute(select(Channel).where(col(Channel.id) == ids[gone]))).scalars().one()
    assert paused.paused_at is not None  # the channel only a person can fix stops being retried

    clock.set(POSTING + dt.timedelta(seconds=5))
    assert await post_due(ctx, chat) == len(flaky)
    clock.set(POSTING + dt.timedelta(seconds=10))
    assert await post_due(ctx, chat) == 0
    expected = Counter({c.id: 1 for c in CHANNELS if c.id != gone})
    assert _posted(chat) == expected


async def test_a_send_that_raises_while_handling_its_failure_does_not_abandon_its_batch(
    ctx: ServiceContext, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _schedule(ctx.db)
    chat = FlakyChat({CHANNELS[3].id}, "")

    async def database_away(*args: object, **kwargs: object) -> None:
        raise ConnectionError("database unavailable while recording the failure")

    monkeypatch.setattr(fanout.leases, "failed", database_away)
    clock.set(POSTING)
    # The batch's other sends finish, are counted and recorded, whatever the one raised.
    assert await post_due(ctx, chat) == len(CHANNELS) - 1
    rows = await _rows(ctx.db)
    assert sum(1 for r in rows if r.status == "open" and r.message_id) == len(CHANNELS) - 1


async def test_a_post_sent_before_its_sender_died_unrecorded_is_found_not_sent_again(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    channels = CHANNELS[:5]
    await _schedule(ctx.db, channels)
    clock.set(POSTING)
    async with FakeSlack() as slack:
        port = SlackPort(make_client("xoxb-test", slack.api_url))
        # The dying process: it claimed and leased every post, sent two, and died before recording.
        pending = await fanout.claim_due(
            ctx, now=POSTING, pack_for=lambda c: ctx.library.packs.get(c.pack_id) or ctx.library.default
        )
        async with ctx.db.unit() as session:
            leased = await bulk.take_send_leases(
                session, prompt_ids=pending, now=POSTING, until=POSTING + SEND_LEASE
            )
        for prompt, channel, space in leased[:2]:
            composed = compose(ctx, prompt, channel, space, POSTING)
            await port.post(composed.target, composed.message)
        # Its leases are live: nobody else sends meanwhile.
        assert await post_due(ctx, port) == 0
        clock.set(POSTING + SEND_LEASE + dt.timedelta(seconds=1))
        assert await post_due(ctx, port) == len(channels)

        posts = Counter(c["channel"] for c in slack.sent("chat.postMessage") if not c.get("thread_ts"))
        assert posts == Counter({c.id: 1 for c in channels})
        rows = await _rows(ctx.db)
        assert {r.status for r in rows} == {"open"} and {r.attempts for r in rows} == {2}


async def _answered(db: Database, channel: ChannelRef, names: list[str]) -> None:
    """``names`` answered a prompt in ``channel``."""
    async with db.unit() as session:
        row = await ensure_channel(session, ref=channel)
        assert row.id is not None
        prompt = await store.claim(
            session, space_id=row.space_id, channel_id=row.id, scenario_id="s", delivery_key=f"d-{channel.id}"
        )
        assert prompt.id is not None
        for name in names:
            member = await ensure_member(session, ref=MemberRef(channel.space, f"U{name}", name))
            assert member.id is not None
            session.add(Answer(space_id=row.space_id, prompt_id=prompt.id, member_id=member.id))


async def _quizzed(db: Database, space: SpaceRef, name: str, topic: str, right: int, wrong: int) -> None:
    async with db.unit() as session:
        member = await ensure_member(session, ref=MemberRef(space, f"U{name}", name))
        assert member.id is not None
        for n in range(right + wrong):
            session.add(
                QuizAttempt(
                    space_id=member.space_id, member_id=member.id, item_id=f"x{n}", topic=topic,
                    mode="practice", token=f"{topic}-{n}", correct=n < right,
                )
            )  # fmt: skip


async def test_the_focus_figures_read_in_bulk_equal_the_per_channel_ones(db: Database) -> None:
    one, two = SPACES[0], SPACES[1]
    answered = ChannelRef(one, "C0ANSWERED")  # its answerers took quizzes
    unquizzed = ChannelRef(one, "C0UNQUIZZED")  # its answerer never did: no figures at all
    quiet = ChannelRef(one, "C0QUIET")  # nobody answered here: the whole space counts
    elsewhere = ChannelRef(two, "C0ELSEWHERE")  # another space, with a member named like one in ours
    for name, topic, right, wrong in [("bob", "a", 1, 4), ("carol", "a", 3, 2), ("dave", "b", 2, 2)]:
        await _quizzed(db, one, name, topic, right, wrong)
    await _quizzed(db, two, "bob", "a", 5, 0)
    await _answered(db, answered, ["bob", "carol"])
    await _answered(db, unquizzed, ["erin"])
    await _answered(db, elsewhere, ["bob"])
    ids = await _schedule(db, [answered, unquizzed, quiet, elsewhere])
    async with db.unit() as session:
        spaces = {
            cid: (await session.get(Channel, cid)).space_id  # type: ignore[union-attr]
            for cid in ids.values()
        }
        together = await bulk.channels_accuracy(session, channels=spaces)
        alone = {
            cid: await quizzes.channel_accuracy(session, space_id=sid, channel_id=cid)
            for cid, sid in spaces.items()
        }
    assert together == alone
    assert together[ids["C0ANSWERED"]] == {"a": (4, 10, 2)}
    assert together[ids["C0UNQUIZZED"]] == {}
    assert together[ids["C0QUIET"]] == {"a": (4, 10, 2), "b": (2, 4, 1)}
    assert together[ids["C0ELSEWHERE"]] == {"a": (5, 5, 1)}


async def test_the_focus_figures_of_more_channels_than_a_chunk_are_read_in_bounded_statements(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Statements whose size grows with the channels due reach a database's bound-parameter limit
    # (PostgreSQL's is 32,767) with a large enough fan-out; read in chunks, they never do.
    one, two = SPACES[0], SPACES[1]
    for name, topic, right, wrong in [("bob", "a", 1, 4), ("carol", "b", 3, 2)]:
        await _quizzed(db, one, name, topic, right, wrong)
    await _quizzed(db, two, "dave", "a", 2, 0)
    channels = [ChannelRef(one, f"C0MANY{n:02d}") for n in range(9)] + [ChannelRef(two, "C0TWO")]
    for n, ref in enumerate(channels[:5]):  # some answered by their people, the rest lean on the space
        await _answered(db, ref, ["bob", "carol"][: n % 2 + 1])
    ids = await _schedule(db, channels)
    sizes: list[int] = []

    def count(conn: object, cursor: object, statement: str, params: object, *rest: object) -> None:
        sizes.append(len(params) if isinstance(params, tuple | list | dict) else 0)

    monkeypatch.setattr(bulk, "CHUNK", 3)
    async with db.unit() as session:
        spaces = {cid: (await session.get(Channel, cid)).space_id for cid in ids.values()}  # type: ignore[union-attr]
        alone = {
            cid: await quizzes.channel_accuracy(session, space_id=sid, channel_id=cid)
            for cid, sid in spaces.items()
        }
        few = dict(list(spaces.items())[:3])
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        try:
            assert await bulk.channels_accuracy(session, channels=few) == {c: alone[c] for c in few}
            largest_for_one_chunk, sizes[:] = max(sizes), []
            together = await bulk.channels_accuracy(session, channels=spaces)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert together == alone
    assert max(sizes) <= largest_for_one_chunk  # no statement grew with the number of channels
    assert together[ids["C0MANY05"]] == {"a": (1, 5, 1), "b": (3, 5, 1)}  # nobody answered: the space
    assert together[ids["C0MANY01"]] == {"a": (1, 5, 1), "b": (3, 5, 1)}  # bob and carol answered
    assert together[ids["C0MANY00"]] == {"a": (1, 5, 1)}  # only bob
    assert together[ids["C0TWO"]] == {"a": (2, 2, 1)}

    # With the real chunk size, more channels than PostgreSQL takes parameters in one statement.
    monkeypatch.setattr(bulk, "CHUNK", 500)
    space_id = spaces[ids["C0MANY05"]]
    many = {cid: space_id for cid in range(10_000_000, 10_040_000)}
    async with db.unit() as session:
        found = await bulk.channels_accuracy(session, channels={**many, **spaces})
    assert len(found) == 40_000 + len(spaces)
    assert found[10_000_000] == found[10_039_999] == together[ids["C0MANY05"]]
    assert {c: found[c] for c in spaces} == alone
