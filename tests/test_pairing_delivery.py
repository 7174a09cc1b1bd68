"""Pairing as real teams meet it: closed DMs, retries, one round a week, who may run it."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, update
from sqlmodel import col, select

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.store import pairings
from bot.store.engine import Database
from bot.store.models import Member, PairingRound, PairingSeat
from tests.support.console import dms, ephemerals, public

MEMBERS = ("alice", "bob", "carol", "dave")
# Monday 12 January 2026, 10:00 UTC: the default weekly round in a UTC channel.
MONDAY_ROUND = dt.datetime(2026, 1, 12, 10, 0, 5, tzinfo=dt.UTC)


async def _opt_in(session: ConsoleSession, names: tuple[str, ...] = MEMBERS) -> None:
    for name in names:
        await session.push(f"{name}: /prep pair")


async def _rounds(db: Database) -> int:
    async with db.unit() as s:
        return int((await s.execute(select(func.count()).select_from(PairingRound))).scalar_one())


def _scripts(session: ConsoleSession, member: str, start: int = 0) -> list[str]:
    return [s.text for s in dms(session, member, start) if "Mock interview this week" in s.text]


async def test_closed_dms_do_not_stop_the_others_and_pair_now_resends_only_the_missing_script(
    session: ConsoleSession, db: Database
) -> None:
    session.admins.add("alice")
    await _opt_in(session)
    await session.push("dms closed carol")
    await session.push("alice: /prep pair now")
    for name in ("alice", "bob", "dave"):
        assert len(_scripts(session, name)) == 1
    assert _scripts(session, "carol") == []
    (answer,) = ephemerals(session, "alice")[-1:]
    assert "carol (direct messages closed)" in answer.text and "`/prep pair now` again" in answer.text
    assert "App Home → Messages" in answer.text  # the console speaks Slack's words
    assert session.bot.ctx.metrics.value("prepbot_undeliverable_total", reason="dm_closed") == 1
    assert public(session, "general") == []  # nothing about pairs in the channel
    async with db.unit() as s:
        seats = (await s.execute(select(PairingSeat))).scalars().all()
    assert sorted(seat.failure for seat in seats) == ["", "", "", "dm_closed"]

    # Still closed: no second round, nobody gets a second script, alice is told again.
    mark = len(session.chat.log)
    await session.push("alice: /prep pair now")
    assert await _rounds(db) == 1
    assert all(_scripts(session, name, mark) == [] for name in MEMBERS)
    answer = ephemerals(session, "alice", mark)[-1]
    assert "already drawn" in answer.text and "carol (direct messages closed)" in answer.text

    # Carol opens her DMs: the next run sends her script, once, and nothing else.
    await session.push("dms open carol")
    mark = len(session.chat.log)
    await session.push("alice: /prep pair now")
    assert len(_scripts(session, "carol", mark)) == 1
    assert all(_scripts(session, name, mark) == [] for name in ("alice", "bob", "dave"))
    assert "Sent 1 script(s) that had not arrived" in ephemerals(session, "alice", mark)[-1].text
    mark = len(session.chat.log)
    await session.push("alice: /prep pair now")
    assert "Every member already has their script" in ephemerals(session, "alice", mark)[-1].text
    assert await _rounds(db) == 1


async def test_the_weekly_round_names_the_unreachable_in_the_channel_once(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    session.admins.add("alice")
    await _opt_in(session)
    await session.push("dms closed bob")
    clock.set(MONDAY_ROUND)
    for _ in range(3):  # ticks every few seconds: one round, one note, no retries at a closed door
        await session.bot.tick(session.chat)
        clock.set(clock.now() + dt.timedelta(seconds=5))
    notes = public(session, "general")
    assert len(notes) == 1 and "could not reach bob (direct messages closed)" in notes[0].text
    assert "<@" not in notes[0].text and "@bob" not in notes[0].text  # a name, never a mention
    assert session.bot.ctx.metrics.value("prepbot_undeliverable_total", reason="dm_closed") == 1
    assert [len(_scripts(session, n)) for n in MEMBERS] == [1, 0, 1, 1]
    # Later that week an organizer's `pair now` finishes the work instead of drawing again.
    await session.push("dms open bob")
    clock.set(MONDAY_ROUND + dt.timedelta(days=1))
    await session.push("alice: /prep pair now")
    assert [len(_scripts(session, n)) for n in MEMBERS] == [1, 1, 1, 1]
    assert await _rounds(db) == 1


async def test_a_retry_after_a_crash_mid_round_sends_what_is_missing(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    await _opt_in(session)
    await session.push("dms closed dave")
    clock.set(MONDAY_ROUND)
    # The weekly round reaches everyone but dave. Then make his seat look like a
    # process died while sending it: the lease taken, no delivery or failure recorded.
    await session.bot.tick(session.chat)
    await session.push("dms open dave")
    async with db.unit() as s:
        seat = (
            await s.execute(
                select(PairingSeat)
                .join(Member, col(Member.id) == col(PairingSeat.member_id))
                .where(col(Member.external_id) == "dave")
            )
        ).scalar_one()
        await s.execute(update(PairingSeat).where(col(PairingSeat.id) == seat.id).values(failure=""))
        lease = clock.now() + dt.timedelta(seconds=60)
        assert await pairings.take_seat(
            s, seat_id=seat.id or 0, now=clock.now(), until=lease, retry_failed=False
        )
    clock.set(clock.now() + dt.timedelta(seconds=5))
    await session.bot.tick(session.chat)  # the lease is still held: nobody sends it twice
    assert _scripts(session, "dave") == []
    clock.set(clock.now() + dt.timedelta(seconds=61))
    await session.bot.tick(session.chat)  # the lease ran out: the next tick finishes the work
    await session.bot.tick(session.chat)
    assert [len(_scripts(session, n)) for n in MEMBERS] == [1, 1, 1, 1]
    assert await _rounds(db) == 1


async def test_two_pair_nows_at_once_draw_one_round_and_send_each_script_once(
    session: ConsoleSession, db: Database
) -> None:
    session.admins.add("alice")
    await _opt_in(session)
    await asyncio.gather(session.push("alice: /prep pair now"), session.push("alice: /prep pair now"))
    assert await _rounds(db) == 1
    assert [len(_scripts(session, n)) for n in MEMBERS] == [1, 1, 1, 1]


async def test_pair_now_with_fewer_than_two_members_draws_nothing(
    session: ConsoleSession, db: Database
) -> None:
    session.admins.add("alice")
    await _opt_in(session, ("bob",))
    sent = await session.push("alice: /prep pair now")
    assert "No round drawn" in sent[0].text and "1 is so far" in sent[0].text
    assert await _rounds(db) == 0
    await _opt_in(session, ("carol",))  # the week is not used up: a round can still be drawn
    await session.push("alice: /prep pair now")
    assert await _rounds(db) == 1 and len(_scripts(session, "bob")) == 1


async def test_only_organizers_run_pair_now_day_and_off(session: ConsoleSession, db: Database) -> None:
    await _opt_in(session, ("bob", "carol"))
    for words in ("now", "day wed", "off"):
        sent = await session.push(f"bob: /prep pair {words}")
        assert len(sent) == 1 and sent[0].visible_to == "bob"
        assert f"`/prep pair {words.split()[0]}` is for" in sent[0].text and "organizers" in sent[0].text
    assert await _rounds(db) == 0
    session.admins.add("alice")
    assert "paused by an organizer" in (await session.push("alice: /prep pair off"))[0].text
    assert "every Wed at 10:00" in (await session.push("alice: /prep pair day wed"))[0].text
    bad = await session.push("alice: /prep pair sometimes")
    assert "I don't know `/prep pair sometimes`" in bad[0].text and "`/prep pair now`" in bad[0].text


async def test_check_ins_reach_the_others_and_name_who_could_not_be_reached(
    session: ConsoleSession, clock: ManualClock
) -> None:
    session.admins.add("alice")
    await _opt_in(session)
    await session.push("alice: /prep pair now")
    await session.push("dms closed dave")
    await session.move_clock("+2d")
    for name in ("alice", "bob", "carol"):
        assert any("Check-in" in s.text for s in dms(session, name))
    assert not any("Check-in" in s.text for s in dms(session, "dave"))
    forms = [s for n in MEMBERS for s in dms(session, n) if s.text.startswith("Feedback for")]
    assert forms and all(s.message.buttons for s in forms)
    notes = [s for s in public(session, "general") if "check-ins could not reach" in s.text]
    assert len(notes) == 1 and "dave (direct messages closed)" in notes[0].text


async def test_a_lone_member_hears_it_once_and_the_week_stays_open(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    await _opt_in(session, ("bob",))
    clock.set(MONDAY_ROUND)
    await session.bot.tick(session.chat)
    clock.set(MONDAY_ROUND + dt.timedelta(seconds=5))
    await session.bot.tick(session.chat)
    lonely = [s for s in dms(session, "bob") if "Only you opted in" in s.text]
    assert len(lonely) == 1 and await _rounds(db) == 0
    await _opt_in(session, ("carol",))
    clock.set(MONDAY_ROUND + dt.timedelta(minutes=30))
    await session.bot.tick(session.chat)  # still within the catch-up window: the round is drawn now
    assert (
        await _rounds(db) == 1 and len(_scripts(session, "bob")) == 1 and len(_scripts(session, "carol")) == 1
    )
