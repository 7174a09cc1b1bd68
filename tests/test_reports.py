"""Report a problem, in the console on SQLite and PostgreSQL: the button, the note, the operator's list.

A member reports a quiz item with a note; `prepbot content reports --json` (the
real command line, on the same database) lists it; while it is open, the
space's challenges never ask it; `--resolve` clears it.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import col

from adapters.console.chat import Sent
from adapters.console.session import ConsoleSession, ScriptError
from bot.events import ButtonPressed, TextSubmitted
from bot.services import reports
from bot.store.models import Report
from tests.support.quizplay import button_number, count, item_of, question, smallest_mcq_topic

NOTE = "Choice B is also defensible: the memo's wording changed in 2024."


def prepbot(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PREPBOT_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "host.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def reports_json(database_url: str) -> dict:
    result = prepbot(database_url, "content", "reports", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # stdout is only the JSON


async def answer_wrong(session: ConsoleSession, who: str, topic: str) -> tuple[str, Sent]:
    shown = question(await session.push(f"{who}: /prep quiz {topic}"))
    item = item_of(session, shown)
    (feedback,) = await session.push(f"{who}: press {button_number(session, shown, correct=False)}")
    return item.id, feedback


async def report(session: ConsoleSession, who: str, note: str = "") -> Sent:
    opened = await session.push(f"{who}: press Report")
    assert len(opened) == 1 and opened[0].visible_to == who and f"{who}: note" in opened[0].text
    (confirmed,) = await session.push(f"{who}: note {note}".rstrip())
    assert confirmed.visible_to == who
    return confirmed


async def test_report_from_quiz_feedback_then_list_and_resolve_on_the_command_line(
    session: ConsoleSession, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # what `serve` logs by default (library DEBUG echoes SQL)
    db, metrics = session.bot.ctx.db, session.bot.ctx.metrics
    pack = session.bot.ctx.library.default.id
    topic = smallest_mcq_topic(session.bot.ctx.library.default)[0]
    item_id, feedback = await answer_wrong(session, "alice", topic)
    assert feedback.text.startswith("❌ Incorrect")
    assert any(b.label.startswith("Report") for b in feedback.message.buttons)

    # Pressing Report opens the form; nothing is recorded until it is sent.
    await session.push("alice: press Report")
    assert await count(db, Report) == 0
    (confirmed,) = await session.push(f"alice: note {NOTE}")
    assert confirmed.visible_to == "alice" and "Thanks" in confirmed.text
    assert NOTE not in confirmed.text  # the note is not echoed, even privately

    # Reporting the same item again updates the report: one row, the newer note.
    again = await report(session, "alice", "Second look: choice B is right too.")
    assert "already reported" in again.text
    bob_item, _ = await answer_wrong(session, "bob", topic)
    if bob_item != item_id:  # bob reports alice's item from a question of his own
        await session.bot.handle(
            ButtonPressed(
                "d-bob", session.current, session.member("bob"), reports.REPORT, f"{pack}|{item_id}"
            ),
            session.chat,
        )
    else:
        await report(session, "bob")
    assert await count(db, Report) == 2
    assert metrics.value("prepbot_reports_total", change="opened") == 2
    assert metrics.value("prepbot_reports_total", change="updated") == 1
    assert 'prepbot_reports_total{change="opened"} 2' in metrics.render()

    listed = reports_json(database_url)
    assert listed["open_reports"] == 2
    (entry,) = listed["items"]
    assert entry["item"] == item_id and entry["count"] == 2 and entry["topic"] == topic
    assert [n["note"] for n in entry["notes"]] == ["Second look: choice B is right too."]

    text = prepbot(database_url, "content", "reports")
    assert text.returncode == 0 and item_id in text.stdout and "choice B is right too" in text.stdout

    resolved = prepbot(database_url, "content", "reports", "--resolve", item_id)
    assert resolved.returncode == 0 and "resolved 2" in resolved.stdout
    assert reports_json(database_url) == {"open_reports": 0, "items": []}
    assert await count(db, Report, col(Report.resolved_at).is_(None)) == 0
    unknown = prepbot(database_url, "content", "reports", "--resolve", "no-such-item")
    assert unknown.returncode == 1 and "no such item" in unknown.stderr

    # A member's note is their words: never in the logs.
    assert NOTE not in caplog.text and "choice B is right too" not in caplog.text


async def test_challenges_skip_items_with_open_reports_in_their_space(session: ConsoleSession) -> None:
    ctx = session.bot.ctx
    pack = ctx.library.default
    topic, _ = smallest_mcq_topic(pack)
    ids = [i.id for i in pack.quiz_items(topic=topic)]
    keeper, reported = ids[0], ids[1:]
    for n, item_id in enumerate(reported):  # reports as the modal would send them, with no note
        submitted = TextSubmitted(
            f"r{n}", session.current, session.member("carol"), reports.REPORT, f"{pack.id}|{item_id}", ""
        )
        await session.bot.handle(submitted, session.chat)
    assert await count(ctx.db, Report) == len(reported)

    # Every round asks the one question without an open report.
    sent = await session.push(f"alice: /prep challenge {topic} 3")
    for round_no in (1, 2, 3):
        shown = question(sent)
        assert shown.text.startswith(f"Round {round_no}/3") and item_of(session, shown).id == keeper
        sent = await session.push(f"bob: press {button_number(session, shown, correct=True)}")
        summary = next(s for s in sent if s.text.startswith("🏆"))
        assert [b.label for b in summary.message.buttons] == ["Report a problem"]

    # Reported from the round's summary (public, so anyone may): now nothing is left to ask.
    assert "Thanks" in (await report(session, "dave")).text
    refused = await session.push(f"alice: /prep challenge {topic}")
    assert len(refused) == 1 and refused[0].visible_to == "alice" and "open problem report" in refused[0].text

    # Another space is not affected by this one's reports.
    other = ConsoleSession(session.bot, session.clock, space_id="elsewhere")
    assert "started a challenge" in (await other.push(f"erin: /prep challenge {topic} 1"))[0].text

    # Resolved: the item may be asked again here.
    assert await reports.resolve(ctx.db, item_id=keeper, at=ctx.clock.now()) == 1
    sent = await session.push(f"alice: /prep challenge {topic} 1")
    assert item_of(session, question(sent)).id == keeper


async def test_the_note_line_needs_an_open_form_and_a_known_item(session: ConsoleSession) -> None:
    with pytest.raises(ScriptError, match="no open form"):
        await session.push("alice: note hello")
    stale = TextSubmitted("s1", session.current, session.member("alice"), reports.REPORT, "netflix|gone", "")
    await session.bot.handle(stale, session.chat)
    assert "no longer in the pack" in session.chat.log[-1].text
    pack = session.bot.ctx.library.default
    value = reports.report_button(pack.id, pack.quiz_items()[0].id).value
    too_long = TextSubmitted(
        "s2", session.current, session.member("alice"), reports.REPORT, value, "x" * 2000
    )
    await session.bot.handle(too_long, session.chat)
    assert "keep it under 1000" in session.chat.log[-1].text
    assert await count(session.bot.ctx.db, Report) == 0


async def test_a_failed_save_tells_the_member_and_logs_no_note(
    session: ConsoleSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await answer_wrong(session, "alice", smallest_mcq_topic(session.bot.ctx.library.default)[0])
    async with session.bot.ctx.db.engine.begin() as conn:  # a real failure: the table is gone
        await conn.execute(text("DROP TABLE report"))
    await session.push("alice: press Report")
    (told,) = await session.push(f"alice: note {NOTE}")
    assert told.visible_to == "alice" and "not recorded" in told.text
    assert "handler failed" in caplog.text and NOTE not in caplog.text


def test_reports_on_a_database_without_the_schema_says_what_to_do(tmp_path: Path) -> None:
    result = prepbot(f"sqlite+aiosqlite:///{tmp_path / 'new.db'}", "content", "reports", "--json")
    assert result.returncode == 1 and result.stdout == ""
    assert "PREPBOT_DATABASE_URL" in result.stderr and "prepbot db upgrade" in result.stderr
    assert "Traceback" not in result.stderr
