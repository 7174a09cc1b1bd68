"""Log lines as an operator reads them: context on every line, one line per post, quiet libraries."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging
from collections.abc import Iterator

import pytest

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.logs import LIBRARIES, configure, install_context, log_context
from bot.services.context import ServiceContext
from scheduler import runner
from tests.support.fake_slack import TEAM, FakeSlack, slack_app_on
from tests.test_prompts import POSTING, prompt_posts, schedule
from tests.test_scheduler import until


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """``configure(json_lines=True)`` into a buffer, as serve does; the root logger restored after."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_levels = {name: logging.getLogger(name).level for name in LIBRARIES}
    buffer = io.StringIO()
    configure(json_lines=True, level="INFO", stream=buffer)
    try:
        yield buffer
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


async def test_a_scheduled_post_is_one_json_line_with_its_job_space_channel_and_delivery(
    session: ConsoleSession, clock: ManualClock, json_log: io.StringIO
) -> None:
    await schedule(session)
    clock.set(POSTING - dt.timedelta(seconds=1))
    handle = await runner.start(session.bot, session.chat, tick_seconds=0.02)
    try:
        await asyncio.sleep(0.2)  # about ten ticks with nothing due
        assert [line for line in lines(json_log) if line["level"] == "info"] == []
        clock.set(POSTING)
        await until(lambda: len(prompt_posts(session.chat)) == 1)
        await asyncio.sleep(0.2)  # ten more ticks
    finally:
        await handle.stop()
    infos = [line for line in lines(json_log) if line["level"] == "info"]
    assert len(infos) == 1, infos
    [posted] = infos
    assert str(posted["message"]).startswith("posted prompt ")
    assert posted["space"] == session.space.id and posted["channel"] == "general"
    assert str(posted["delivery"]).startswith("prepbot-prompt-")
    assert posted["job"] in ("prepbot:tick", "prepbot:catch-up") or str(posted["job"]).startswith("prompt:")
    # APScheduler's per-run lines ("Running job …", "… executed successfully") stay out.
    assert not [line for line in lines(json_log) if str(line["logger"]).startswith("apscheduler")]


async def test_a_members_command_logs_its_space_channel_and_delivery(
    session: ConsoleSession, caplog: pytest.LogCaptureFixture
) -> None:
    install_context()
    session.admins.add("alice")
    with caplog.at_level(logging.INFO, logger="bot"):
        await session.push("alice: /prep prompt")
    [record] = [r for r in caplog.records if r.getMessage().startswith("posted prompt")]
    assert record.__dict__["space"] == session.space.id and record.__dict__["channel"] == "general"
    # The post's own delivery key (a retry of the command posts once under it).
    assert str(record.__dict__["delivery"]).startswith("prepbot-prompt-")


async def test_a_failing_handler_names_its_delivery_without_the_members_words(
    session: ConsoleSession, caplog: pytest.LogCaptureFixture
) -> None:
    install_context()

    async def broken(turn: object, args: tuple[str, ...]) -> None:
        raise RuntimeError("boom")

    session.bot.command("topics", broken)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="bot.router"):
        await session.push("alice: /prep topics my secret words")
    [record] = caplog.records
    assert record.__dict__["space"] == session.space.id and record.__dict__["channel"] == "general"
    assert record.__dict__["delivery"]
    assert "secret" not in record.getMessage()


def test_library_chatter_is_quiet_unless_debug_asks_and_text_lines_carry_context() -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_levels = {name: logging.getLogger(name).level for name in LIBRARIES}
    try:
        buffer = io.StringIO()
        configure(json_lines=False, level="INFO", stream=buffer)
        with log_context(space="T1", channel="C1", delivery="d-1"):
            logging.getLogger("apscheduler.executors.default").info("Running job tick")
            logging.getLogger("aiohttp.access").info("GET /healthz 200")
            logging.getLogger("bot.services.prompts").info("posted prompt 7")
        assert buffer.getvalue().count("\n") == 1
        assert buffer.getvalue().rstrip().endswith("posted prompt 7 [space=T1 channel=C1 delivery=d-1]")

        buffer = io.StringIO()
        configure(json_lines=False, level="DEBUG", stream=buffer)
        logging.getLogger("apscheduler.executors.default").info("Running job tick")
        assert "Running job tick" in buffer.getvalue()
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


async def test_a_signed_slack_request_logs_its_team_and_channel(
    ctx: ServiceContext, caplog: pytest.LogCaptureFixture
) -> None:
    install_context()
    async with FakeSlack() as slack, slack_app_on(ctx, slack) as app:
        slack.add_user("U0ADMIN", "ada", admin=True)
        with caplog.at_level(logging.INFO, logger="bot"):
            await slack.command("prompt", user="U0ADMIN", channel="C0LOGS")
            await app.idle()
    [record] = [r for r in caplog.records if r.getMessage().startswith("posted prompt")]
    assert record.__dict__["space"] == TEAM and record.__dict__["channel"] == "C0LOGS"
    assert str(record.__dict__["delivery"]).startswith("prepbot-prompt-")
