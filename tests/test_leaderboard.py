"""Leaderboard and stats on real SQLite and PostgreSQL: fair ties, periods, ledger totals, streaks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from adapters.console.session import ConsoleSession
from bot.store import ledger
from bot.store.models import PointEvent
from bot.store.tenants import ensure_member
from tests.support.quizplay import button_number, points_sum, question


async def give(session: ConsoleSession, who: str, points: int, key: str, days_ago: float = 0) -> None:
    async with session.bot.ctx.db.unit() as s:
        member = await ensure_member(s, ref=session.member(who))
        assert member.id is not None
        at = session.clock.now() - dt.timedelta(days=days_ago)
        await ledger.award(
            s, space_id=member.space_id, member_id=member.id, points=points, reason="test", key=key, at=at
        )


async def test_ties_share_a_rank_and_say_so(session: ConsoleSession) -> None:
    for who, points in (("alice", 10), ("bob", 7), ("carol", 10), ("dave", 3)):
        await give(session, who, points, f"k-{who}")
    board = (await session.push("erin: /prep leaderboard"))[0]
    assert board.visible_to is None
    lines = [line for line in board.text.splitlines() if " — " in line]
    assert lines == [
        "1. alice — 10 points (tie)",
        "1. carol — 10 points (tie)",
        "3. bob — 7 points",
        "4. dave — 3 points",
    ]


async def test_periods_follow_the_clock(session: ConsoleSession) -> None:
    await give(session, "alice", 5, "recent", days_ago=1)
    await give(session, "bob", 9, "old", days_ago=20)
    await give(session, "carol", 4, "ancient", days_ago=90)
    week = (await session.push("alice: /prep leaderboard week"))[0].text
    month = (await session.push("alice: /prep leaderboard month"))[0].text
    alltime = (await session.push("alice: /prep leaderboard all"))[0].text
    assert "alice" in week and "bob" not in week and "last 7 days" in week
    assert "bob" in month and "carol" not in month
    assert "carol — 4 points" in alltime


async def test_a_bad_period_gets_a_private_usage(session: ConsoleSession) -> None:
    sent = await session.push("alice: /prep leaderboard year")
    assert sent[0].visible_to == "alice" and "week|month|all" in sent[0].text


async def test_an_empty_board_says_how_to_score(session: ConsoleSession) -> None:
    assert "no points yet" in (await session.push("alice: /prep leaderboard"))[0].text


async def test_a_repeated_award_key_counts_once(session: ConsoleSession) -> None:
    await give(session, "alice", 5, "same")
    await give(session, "alice", 5, "same")
    assert "alice — 5 points" in (await session.push("alice: /prep leaderboard"))[0].text


async def test_ledger_totals_equal_the_sum_of_events(session: ConsoleSession) -> None:
    for who, correct in (("alice", True), ("bob", True), ("alice", False), ("alice", True)):
        shown = question(await session.push(f"{who}: /prep quiz motivation"))
        await session.push(f"{who}: press {button_number(session, shown, correct=correct)}")
    shown = question(await session.push("carol: /prep challenge motivation 1"))
    await session.push(f"bob: press {button_number(session, shown, correct=True)}")
    db = session.bot.ctx.db
    async with db.unit() as s:
        stmt = select(PointEvent.member_id, func.sum(PointEvent.points)).group_by(PointEvent.member_id)
        per_member = {member_id: int(total) for member_id, total in (await s.execute(stmt)).all()}
        space_id = (await ensure_member(s, ref=session.member("alice"))).space_id
        rows = await ledger.standings(s, space_id=space_id)
    assert {r.member_id: r.points for r in rows} == per_member
    assert sum(r.points for r in rows) == await points_sum(db) > 0
    board = (await session.push("alice: /prep leaderboard"))[0].text
    assert all(f"{r.name} — {r.points} points" in board for r in rows)


async def test_stats_show_accuracy_items_seen_and_points(session: ConsoleSession) -> None:
    for correct in (True, False, True):
        shown = question(await session.push("alice: /prep quiz motivation"))
        await session.push(f"alice: press {button_number(session, shown, correct=correct)}")
    question(await session.push("alice: /prep quiz motivation"))  # shown, not answered
    sent = await session.push("alice: /prep stats")
    assert len(sent) == 1 and sent[0].visible_to == "alice"
    total = len(session.bot.ctx.library.default.quiz_items(topic="motivation"))
    assert "`motivation`: 67% right (2/3)" in sent[0].text
    assert f"4 of {total} items seen" in sent[0].text
    assert "2/3 right, 4 points, streak 1 day(s)" in sent[0].text


async def answer_at(session: ConsoleSession, when: dt.datetime) -> None:
    session.clock.set(when)
    shown = question(await session.push("alice: /prep quiz motivation"))
    await session.push(f"alice: press {button_number(session, shown, correct=True)}")


async def test_the_streak_counts_days_in_the_members_time_zone(session: ConsoleSession) -> None:
    # 10:00 and 11:30 UTC on 4 January are one UTC day but two days in Auckland (UTC+13).
    await answer_at(session, dt.datetime(2026, 1, 4, 10, 0, tzinfo=dt.UTC))
    await answer_at(session, dt.datetime(2026, 1, 4, 11, 30, tzinfo=dt.UTC))
    session.clock.set(dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC))
    assert "streak 1 day(s)" in (await session.push("alice: /prep stats"))[0].text
    async with session.bot.ctx.db.unit() as s:
        member = await ensure_member(s, ref=session.member("alice"))
        member.timezone = "Pacific/Auckland"
        s.add(member)
    text = (await session.push("alice: /prep stats"))[0].text
    assert "streak 2 day(s)" in text and "Pacific/Auckland" in text


async def test_a_streak_breaks_after_a_missed_day(session: ConsoleSession) -> None:
    await answer_at(session, dt.datetime(2026, 1, 2, 9, 0, tzinfo=dt.UTC))
    await answer_at(session, dt.datetime(2026, 1, 4, 9, 0, tzinfo=dt.UTC))
    await answer_at(session, dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC))
    assert "streak 2 day(s)" in (await session.push("alice: /prep stats"))[0].text
    session.clock.set(dt.datetime(2026, 1, 7, 9, 0, tzinfo=dt.UTC))
    assert "streak 0 day(s)" in (await session.push("alice: /prep stats"))[0].text
