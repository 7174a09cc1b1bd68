"""Pairing for whoever interviews next, on both databases: a round as soon as a second member opts
in, candidates first for interviews within 14 days (interviewed by someone who answered the
scenario), check-ins both sides answer, corrected ratings, a written note that reaches the
candidate the same day, and rounds numbered per channel."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.store.engine import Database
from bot.store.models import PairingFeedback, PairingRound
from tests.support.console import dms, ephemerals

ANSWER = "I would roll back first, then read the graphs with the on-call engineer and write it up."


def scripts(session: ConsoleSession, member: str, start: int = 0) -> list[str]:
    return [s.text for s in dms(session, member, start) if "Mock interview this week" in s.text]


def footers(session: ConsoleSession, member: str) -> list[str]:
    return [s.message.footer or "" for s in dms(session, member) if "Mock interview this week" in s.text]


async def test_a_lone_member_is_paired_as_soon_as_a_second_opts_in_that_week(
    session: ConsoleSession, clock: ManualClock
) -> None:
    clock.set(dt.datetime(2026, 1, 12, 8, 40, tzinfo=dt.UTC))  # Monday, before the 10:00 draw
    await session.push("alice: /prep pair")
    await session.push("clock 2026-01-12 10:30")
    [lonely] = [s for s in dms(session, "alice") if "Only you opted in" in s.text]
    assert "As soon as a second member opts in this week" in lonely.text
    start = len(session.chat.log)
    await session.push("clock 2026-01-12 11:30")
    await session.push("bob: /prep pair")
    [answer] = ephemerals(session, "bob", start)
    assert "This week's round is drawn now: 1 group(s), 2 member(s)" in answer.text and answer.is_private
    [alices] = scripts(session, "alice", start)
    assert alices.startswith("Another member has opted in, so this week's round is drawn now.")
    assert len(scripts(session, "bob", start)) == 1
    assert footers(session, "alice")[0].startswith("Round 1.")
    # A third member later that week draws nothing new: a channel has one round a week.
    [third] = await session.push("carol: /prep pair")
    assert "drawn now" not in third.text and scripts(session, "carol") == []
    assert "drawn before you opted in, so your first pair is in next week's" in third.text


async def test_an_opt_in_before_the_weeks_draw_waits_for_it(session: ConsoleSession) -> None:
    # The console clock starts on Monday 08:00 UTC: the 10:00 draw will include everyone.
    await session.push("alice: /prep pair")
    [answer] = await session.push("bob: /prep pair")
    assert "drawn now" not in answer.text and scripts(session, "alice") == []
    assert "next week's" not in answer.text  # the draw at 10:00 will include them


async def test_members_interviewing_soon_are_candidates_with_an_interviewer_who_answered(
    session: ConsoleSession, clock: ManualClock
) -> None:
    session.admins.add("admin")
    await session.push("admin: /prep prompt")
    for name in ("bob", "dave"):
        await session.push(f"{name}: reply {ANSWER}")
    await session.push("carol: /prep interview 2026-01-08")  # in three days
    await session.push("erin: /prep interview 2026-01-15")
    for name in ("bob", "carol", "dave", "erin"):
        await session.push(f"{name}: /prep pair")
    await session.push("admin: /prep pair now")
    for soon in ("carol", "erin"):
        [script] = scripts(session, soon)
        assert "interviews you" in script
    for chief in ("bob", "dave"):
        [script] = scripts(session, chief)
        assert "you interview" in script and "(you answered it)" in script


async def test_check_in_ratings_corrections_and_the_note_reach_the_candidate(
    session: ConsoleSession, db: Database, clock: ManualClock
) -> None:
    session.admins.add("alice")
    await session.push("carol: /prep interview 2026-01-09")
    await session.push("alice: /prep pair")
    await session.push("carol: /prep pair")
    await session.push("alice: /prep pair now")
    clock.set(dt.datetime(2026, 1, 7, 8, 1, tzinfo=dt.UTC))  # two days on: the check-in
    await session.push("tick")
    # Both sides get a check-in they can answer.
    [theirs] = [s for s in dms(session, "carol") if s.text.startswith("Check-in")]
    [mine] = [s for s in dms(session, "alice") if s.text.startswith("Check-in")]
    assert [b.label for b in theirs.message.buttons] == ["We met", "Not yet"]
    assert [b.label for b in mine.message.buttons] == ["We met", "Not yet"]
    [said] = await session.push(f"carol: press We met on {theirs.ref.id}")
    assert "reach you by direct message" in said.text
    [form] = [s for s in dms(session, "alice") if s.text.startswith("Feedback for carol")]
    await session.push(f"alice: press 4 on {form.ref.id}")
    [fixed] = await session.push(f"alice: press 2 on {form.ref.id}")
    assert (
        fixed.text == "Your “structure” rating for carol is now 2 (it was 4; the earlier rating is replaced)."
    )
    async with db.unit() as s:
        rows = (await s.execute(select(PairingFeedback))).scalars().all()
    assert [(r.question, r.rating) for r in rows] == [("structure", 2)]
    await session.push("alice: press 5")  # candor
    [thanks] = await session.push("alice: press 3")  # questions
    assert "Write a note" in [b.label for b in thanks.message.buttons]
    await session.push("alice: press Write a note")
    start = len(session.chat.log)
    await session.push("alice: note Clear situation and result; say what you would change.")
    [done] = [m for m in session.chat.log[start:] if m.visible_to == "alice" and "Your note" in m.text]
    assert "sent to carol by direct message" in done.text
    [feedback] = [s for s in dms(session, "carol", start) if s.text.startswith("Feedback from")]
    assert "Clear situation and result" in feedback.text and "2/5" in feedback.text and "5/5" in feedback.text
    # It arrived in answer to the note itself: the same day (the clock has not moved).
    assert session.clock.now().date() == dt.date(2026, 1, 7)
    assert not any("Clear situation" in s.text for s in ephemerals(session, "carol"))


async def test_rounds_are_numbered_per_channel(
    session: ConsoleSession, db: Database, clock: ManualClock
) -> None:
    session.admins.add("alice")
    for channel in ("backend", "frontend"):
        session.use_channel(channel)
        for name in ("alice", "bob"):
            await session.push(f"{name}: /prep pair")
        await session.push("alice: /prep pair now")
    assert [f.split(".")[0] for f in footers(session, "bob")] == ["Round 1", "Round 1"]
    clock.set(dt.datetime(2026, 1, 12, 10, 0, 5, tzinfo=dt.UTC))  # next Monday's weekly draw
    await session.push("tick")
    assert [f.split(".")[0] for f in footers(session, "bob")] == ["Round 1", "Round 1", "Round 2", "Round 2"]
    async with db.unit() as s:
        numbers = sorted((r.channel_id, r.number) for r in (await s.execute(select(PairingRound))).scalars())
    assert [n for _, n in numbers] == [1, 2, 1, 2]
