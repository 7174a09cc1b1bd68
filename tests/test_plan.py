"""Interview dates and the daily plan: validation, countdown, and one plan a day."""

from __future__ import annotations

import datetime as dt

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock


async def test_setting_a_date_counts_down_and_plans_today(session: ConsoleSession) -> None:
    # The console clock starts on Monday 5 January 2026.
    sent = await session.push("alice: /prep interview 2026-01-20 Netflix")
    # The answer to alice's own command may be ephemeral, where she ran it.
    assert sent[0].is_private and sent[0].ref.channel == session.current
    assert "15 days to your Netflix interview (2026-01-20)" in sent[0].text
    assert "/prep quiz" in sent[0].text and "Rehearse a story" in sent[0].text


async def test_bad_and_past_dates_get_clear_errors(session: ConsoleSession) -> None:
    assert "not a date" in (await session.push("alice: /prep interview next-week"))[0].text
    assert "has passed" in (await session.push("alice: /prep interview 2025-12-01"))[0].text
    assert "Set your interview date" in (await session.push("alice: /prep interview"))[0].text


async def test_the_plan_arrives_once_each_morning_until_the_day(
    session: ConsoleSession, clock: ManualClock
) -> None:
    await session.push("alice: /prep interview 2026-01-07")
    clock.set(dt.datetime(2026, 1, 6, 9, 0, 30, tzinfo=dt.UTC))
    await session.bot.tick(session.chat)
    await session.bot.tick(session.chat)
    plans = [s for s in session.chat.log if s.visible_to == "alice" and "1 day to your" in s.text]
    # The morning plan is a direct message that stays, not an ephemeral in the channel.
    assert len(plans) == 1 and plans[0].ref.channel.id == "dm-alice"
    clock.set(dt.datetime(2026, 1, 7, 9, 5, tzinfo=dt.UTC))
    await session.bot.tick(session.chat)
    assert any("interview is today" in s.text for s in session.chat.log if s.visible_to == "alice")
    clock.set(dt.datetime(2026, 1, 8, 9, 5, tzinfo=dt.UTC))
    before = len(session.chat.log)
    await session.bot.tick(session.chat)
    assert [s for s in session.chat.log[before:] if s.visible_to == "alice"] == []


async def test_off_stops_the_plans(session: ConsoleSession) -> None:
    await session.push("alice: /prep interview 2026-01-20")
    assert "cleared" in (await session.push("alice: /prep interview off"))[0].text
