"""Personal messages that persist: plans by DM, the export as a file, closed DMs, the console's switches."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.console.script import ScriptFailed, run_lines
from adapters.console.session import ConsoleSession, ScriptError
from bot.clock import ManualClock
from bot.services.delivery import Missed, missed_note, open_dms_step, plain_name
from tests.support.console import dms, ephemerals


async def test_morning_plans_reach_everyone_whose_dms_are_open(
    session: ConsoleSession, clock: ManualClock
) -> None:
    for name in ("alice", "bob", "carol"):
        await session.push(f"{name}: /prep interview 2026-01-20")
    await session.push("dms closed bob")
    clock.set(dt.datetime(2026, 1, 6, 9, 0, 30, tzinfo=dt.UTC))
    mark = len(session.chat.log)
    await session.bot.tick(session.chat)
    await session.bot.tick(session.chat)
    assert [len(dms(session, n, mark)) for n in ("alice", "bob", "carol")] == [1, 0, 1]
    assert ephemerals(session, "alice", mark) == []  # a plan nobody asked for right now is not ephemeral
    assert session.bot.ctx.metrics.value("prepbot_undeliverable_total", reason="dm_closed") == 1
    assert "prepbot_undeliverable_total" in session.bot.ctx.metrics.render()


async def test_export_with_closed_dms_says_how_to_open_them(session: ConsoleSession) -> None:
    await session.push("dms closed bob")
    sent = await session.push("bob: /prep export")
    assert len(sent) == 1 and sent[0].visible_to == "bob" and sent[0].attachment is None
    assert "direct messages with prepbot are closed" in sent[0].text
    assert "App Home → Messages" in sent[0].text and "`/prep export` again" in sent[0].text
    await session.push("dms open bob")
    sent = await session.push("bob: /prep export")
    assert [s.attachment is not None for s in sent] == [True, False]


def test_discord_members_are_told_discords_way_to_open_dms() -> None:
    step = open_dms_step("discord")
    assert "Privacy Settings" in step and "direct messages from server members" in step


def test_names_are_plain_text_never_mentions() -> None:
    note = missed_note(
        [Missed("<@U123>", "dm_closed"), Missed("@everyone", "member_gone"), Missed("<!here>", "x")]
    )
    assert "<" not in note and "@" not in note
    assert note.startswith("U123 (direct messages closed), everyone (no longer in this space)")
    assert plain_name("") == "someone"


async def test_console_lines_close_dms_and_block_channels(session: ConsoleSession) -> None:
    lines = [
        "dms closed bob carol",
        "dms open carol",
        "channel private secret",
        "channel blocked old archived",
        "channel open old",
        "channel team",
    ]
    assert await run_lines(session, lines) == len(lines)
    assert session.chat.dms_closed == {"bob"}
    assert session.chat.blocked == {"secret": "not_in_channel"}
    assert session.current.id == "team"
    await session.push("channel private")  # a channel may still be called "private"
    assert session.current.id == "private"
    for bad in ("dms shut bob", "dms closed", "channel blocked old gone"):
        with pytest.raises(ScriptError):
            await session.push(bad)
    with pytest.raises(ScriptFailed, match="demo.prep:2:"):
        await run_lines(session, ["channel team", "channel blocked team nope"], source="demo.prep")


async def test_expect_reads_the_files_the_bot_sent(session: ConsoleSession) -> None:
    await run_lines(
        session, ["bob: /prep export", "expect # Interview prep — bob", "expect interview-prep-bob.md"]
    )
    with pytest.raises(ScriptFailed):
        await run_lines(session, ["expect # Interview prep — carol"])
