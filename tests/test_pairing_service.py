"""Mock-interview pairing through the console: opt in, rounds once, check-ins and feedback."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func
from sqlmodel import col, select

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.events import ButtonPressed
from bot.features import build_bot
from bot.services.context import ServiceContext
from bot.store.engine import Database
from bot.store.models import PairingFeedback, PairingRound, PairingSeat
from tests.support.console import exported

MEMBERS = ("alice", "bob", "carol", "dave")


async def _opt_in(session: ConsoleSession, names: tuple[str, ...] = MEMBERS) -> None:
    for name in names:
        sent = await session.push(f"{name}: /prep pair")
        assert "opted in" in sent[0].text and sent[0].visible_to == name


async def _count(db: Database, model: type) -> int:
    async with db.unit() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_pair_toggles_in_and_out(session: ConsoleSession) -> None:
    await _opt_in(session, ("alice",))
    sent = await session.push("alice: /prep pair")
    assert "opted out" in sent[0].text and sent[0].is_private
    sent = await session.push("alice: /prep pair")
    assert "opted in" in sent[0].text


async def test_a_round_pairs_everyone_privately_and_only_once(session: ConsoleSession, db: Database) -> None:
    session.admins.add("alice")
    await _opt_in(session)
    sent = await session.push("alice: /prep pair now", delivery_id="pair-1")
    assert {s.visible_to for s in sent} == set(MEMBERS) and all(s.is_private for s in sent)
    scripts = [s for s in sent if "Mock interview this week" in s.text]
    # Scripts are direct messages that stay; only the answer to alice is ephemeral in the channel.
    assert sorted(s.ref.channel.id for s in scripts) == sorted(f"dm-{m}" for m in MEMBERS)
    (answer,) = [s for s in sent if s not in scripts]
    assert answer.visible_to == "alice" and answer.ref.channel == session.current
    assert "round is drawn: 2 group(s), 4 member(s). 4 script(s) sent" in answer.text
    interviewers = [s for s in sent if "you interview" in s.text]
    assert len(interviewers) == 2 and all("A strong answer covers" in s.text for s in interviewers)
    assert all("A strong answer covers" not in s.text for s in sent if s not in interviewers)
    again = await session.push("alice: /prep pair now", delivery_id="pair-1")
    assert again == []
    assert await _count(db, PairingRound) == 1 and await _count(db, PairingSeat) == 4


async def test_odd_count_makes_one_trio(session: ConsoleSession, db: Database) -> None:
    session.admins.add("alice")
    await _opt_in(session, ("alice", "bob", "carol"))
    await session.push("alice: /prep pair now")
    async with db.unit() as s:
        groups = (await s.execute(select(col(PairingSeat.group_no)))).scalars().all()
    assert sorted(groups) == [1, 1, 1]


async def test_weekly_round_is_drawn_once_even_by_two_bots(
    session: ConsoleSession, ctx: ServiceContext, clock: ManualClock, db: Database
) -> None:
    await _opt_in(session)
    other = build_bot(ctx)
    # Monday 12 January 2026, 10:00 UTC: the default day and time in a UTC channel.
    clock.set(dt.datetime(2026, 1, 12, 10, 0, 5, tzinfo=dt.UTC))
    await session.bot.tick(session.chat)
    await other.tick(session.chat)
    await session.bot.tick(session.chat)
    assert await _count(db, PairingRound) == 1
    clock.set(dt.datetime(2026, 1, 12, 13, 0, tzinfo=dt.UTC))
    await session.bot.tick(session.chat)  # past the catch-up window: nothing new
    assert await _count(db, PairingRound) == 1


async def test_check_in_collects_feedback_from_the_interviewer_only(
    session: ConsoleSession, clock: ManualClock, db: Database
) -> None:
    session.admins.add("alice")
    await _opt_in(session, ("alice", "bob"))
    sent = await session.push("alice: /prep pair now")
    interviewer = next(s.visible_to for s in sent if "you interview" in s.text)
    candidate = next(name for name in ("alice", "bob") if name != interviewer)
    await session.move_clock("+2d")
    forms = [s for s in session.chat.log if s.visible_to == interviewer and s.message.buttons]
    assert forms and "Feedback for" in forms[-1].text
    # The candidate cannot see the form; a forged press of its button is still refused.
    button = forms[-1].message.buttons[3]
    start = len(session.chat.log)
    forged = ButtonPressed("forged", session.current, session.member(candidate), button.action, button.value)
    await session.bot.handle(forged, session.chat)
    assert "Only the interviewer" in session.chat.log[start].text
    for _ in range(3):
        await session.push(f"{interviewer}: press 4")
    assert await _count(db, PairingFeedback) == 3
    _, document = exported(await session.push(f"{candidate}: /prep export"), candidate)
    assert "Mock-interview feedback" in document and "4.0 / 5" in document
