"""A thread answer that meets a locked database on Slack is retried by Slack, or its author is told.

The database is really locked by another connection (``tests.support.locks``):
SQLite's write lock past prepbot's busy timeout, PostgreSQL's tables past the
test database's ``lock_timeout``. Slack is driven with signed requests, retries carry
``X-Slack-Retry-Num``; nothing of the member's words may reach a log line.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from adapters.slack import messages
from adapters.slack.app import SlackApp
from adapters.slack.connector import SlackConnector
from bot.clock import ManualClock
from bot.content import Library
from bot.features import build_bot
from bot.router import DATABASE_DOWN
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store.engine import Database
from bot.store.migrate import upgrade
from bot.store.models import AnswerPart, Delivery
from bot.unsaved import NOT_SAVED
from host.process import run
from tests.support.fake_slack import ApiCall, FakeSlack, buttons, fixture, slack_app_on
from tests.support.locks import Holder, lockable

ANSWER = "Roll back first, then find the cause together with the owners of the service."


@dataclass
class Locked:
    """prepbot's context on a database that ``holder`` can lock, or make refuse answers."""

    ctx: ServiceContext
    holder: Holder


@pytest.fixture(params=["sqlite", "postgresql"])
async def locked(
    request: pytest.FixtureRequest, tmp_path: Path, library: Library, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Locked]:
    async with lockable(request, tmp_path, monkeypatch) as (url, holder):
        db = Database(url)
        await upgrade(db)
        ctx = ServiceContext(
            db=db, library=library, clock=ManualClock(), settings=Settings(), rng=random.Random(7)
        )
        try:
            yield Locked(ctx, holder)
        finally:
            await db.dispose()


@pytest.fixture
async def wired(locked: Locked) -> AsyncIterator[tuple[FakeSlack, SlackApp]]:
    async with FakeSlack() as fake, slack_app_on(locked.ctx, fake) as app:
        fake.add_user("U0ADMIN", "ada", admin=True)
        fake.add_user("U0BOB", "bob")
        yield fake, app


@pytest.fixture(autouse=True)
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    return caplog


async def _prompt(slack: FakeSlack, app: SlackApp) -> ApiCall:
    _, (status, _) = await slack.command("prompt", user="U0ADMIN")
    assert status == 200
    await app.idle()
    [post] = slack.sent("chat.postMessage")
    return post


async def _count(ctx: ServiceContext, table: Any) -> int:
    async with ctx.db.unit() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


def _told(slack: FakeSlack, user: str) -> list[str]:
    return [c["text"] for c in slack.sent("chat.postEphemeral", user=user)]


def _reply(slack: FakeSlack, root: str, **extra: Any) -> dict[str, Any]:
    return fixture(
        "message_thread_reply", user="U0BOB", text=ANSWER, thread_ts=root, ts=slack.new_ts(), **extra
    )


async def test_an_answer_the_locked_database_refused_gets_no_2xx_and_slacks_retry_stores_it_once(
    wired: tuple[FakeSlack, SlackApp],
    locked: Locked,
    logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(messages, "RECORD_BUDGET_S", 20)  # the failure always comes before the ack here
    slack, app = wired
    post = await _prompt(slack, app)

    async with locked.holder.hold():
        envelope, (status, _) = await slack.event(_reply(slack, post.ts))
        assert status == messages.RETRY_STATUS  # no 2xx: Slack sends it again
        await app.idle()
    assert await _count(locked.ctx, AnswerPart) == 0
    assert not _told(slack, "U0BOB")  # Slack's retry is coming: nothing to ask of the member yet

    assert (await slack.resend_event(envelope, retry=1))[0] == 200
    await app.idle()
    assert (await slack.resend_event(envelope, retry=2))[0] == 200  # a later copy changes nothing
    await app.idle()
    async with locked.ctx.db.unit() as session:
        parts = (await session.execute(select(AnswerPart))).scalars().all()
    assert [p.text for p in parts] == [ANSWER]
    assert not any(NOT_SAVED in text for text in _told(slack, "U0BOB"))
    assert f"event {envelope['event_id']}" in logs.text and "send it again" in logs.text
    assert "Roll back" not in logs.text


async def test_the_last_retry_failing_tells_the_member_privately_and_leaves_nothing_claimed(
    wired: tuple[FakeSlack, SlackApp],
    locked: Locked,
    logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(messages, "RECORD_BUDGET_S", 20)
    slack, app = wired
    post = await _prompt(slack, app)
    claims = await _count(locked.ctx, Delivery)

    async with locked.holder.hold():
        envelope, (status, _) = await slack.event(_reply(slack, post.ts), retry=messages.LAST_RETRY)
        assert status == 200  # Slack will not send it again: acked, and the member is told
        await app.idle()
    [told] = _told(slack, "U0BOB")
    assert told == NOT_SAVED and "Roll back" not in told
    assert await _count(locked.ctx, AnswerPart) == 0
    assert await _count(locked.ctx, Delivery) == claims  # the claim did not stay recorded
    assert "Roll back" not in logs.text

    # The member posts it again (a new message): it is stored.
    assert (await slack.event(_reply(slack, post.ts)))[1][0] == 200
    await app.idle()
    assert await _count(locked.ctx, AnswerPart) == 1


async def test_a_failure_after_the_ack_tells_the_member(
    wired: tuple[FakeSlack, SlackApp], locked: Locked, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "RECORD_BUDGET_S", 0)  # the ack goes out before the store is tried
    slack, app = wired
    post = await _prompt(slack, app)
    async with locked.holder.hold():
        _, (status, _) = await slack.event(_reply(slack, post.ts))
        assert status == 200
        await app.idle()
    assert _told(slack, "U0BOB") == [NOT_SAVED]
    assert await _count(locked.ctx, AnswerPart) == 0


async def test_a_permanent_failure_is_not_retried_and_the_member_is_told_at_once(
    wired: tuple[FakeSlack, SlackApp], locked: Locked, logs: pytest.LogCaptureFixture
) -> None:
    slack, app = wired
    post = await _prompt(slack, app)
    await locked.holder.refuse()  # the database refuses every answer part: retrying cannot help
    _, (status, _) = await slack.event(_reply(slack, post.ts))
    assert status == 200
    await app.idle()
    assert _told(slack, "U0BOB") == [NOT_SAVED]
    assert "Roll back" not in logs.text


async def test_a_reply_in_a_members_thread_that_failed_is_not_announced_as_an_answer(
    wired: tuple[FakeSlack, SlackApp], locked: Locked, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "RECORD_BUDGET_S", 20)
    slack, app = wired
    await _prompt(slack, app)
    chat = _reply(slack, slack.new_ts(), parent_user_id="U0ADMIN")  # a thread a member started
    top = fixture("message", user="U0BOB", text=ANSWER, ts=slack.new_ts())
    async with locked.holder.hold():
        for event in (chat, top):
            _, (status, _) = await slack.event(event, retry=messages.LAST_RETRY)
            assert status == 200
        await app.idle()
    assert not _told(slack, "U0BOB")


async def test_chat_that_is_no_answer_gets_a_2xx_on_a_locked_database_so_slack_asks_no_retry(
    wired: tuple[FakeSlack, SlackApp],
    locked: Locked,
    logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In an outage every chat message fails: were each one answered 503, Slack would turn the app's
    # event subscriptions off. Only a reply in the bot's thread (an answer) is worth Slack's retry.
    monkeypatch.setattr(messages, "RECORD_BUDGET_S", 20)  # the failure always comes before the ack here
    slack, app = wired
    await _prompt(slack, app)
    top = fixture("message", user="U0BOB", text=ANSWER, ts=slack.new_ts())
    chat = _reply(slack, slack.new_ts(), parent_user_id="U0ADMIN")  # a thread a member started
    async with locked.holder.hold():
        for event in (top, chat):
            envelope, (status, _) = await slack.event(event)  # the first delivery: retries remain
            assert status == 200
            await app.idle()
            assert f"event {envelope['event_id']}" in logs.text
    assert "Slack is asked to send it again" not in logs.text
    assert not _told(slack, "U0BOB")
    assert "Roll back" not in logs.text


async def test_an_edit_or_deletion_in_a_members_thread_gets_a_2xx_on_a_locked_database(
    wired: tuple[FakeSlack, SlackApp],
    locked: Locked,
    logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Slack puts an edited message under "message" and a deleted one under "previous_message":
    # whose thread it is must be read there, or every deletion in an outage asks for a retry.
    monkeypatch.setattr(messages, "RECORD_BUDGET_S", 20)  # the failure always comes before the ack here
    slack, app = wired
    post = await _prompt(slack, app)
    answer = _reply(slack, post.ts)
    assert (await slack.event(answer))[1][0] == 200
    await app.idle()
    assert await _count(locked.ctx, AnswerPart) == 1

    root, ts = slack.new_ts(), slack.new_ts()
    theirs = {"user": "U0BOB", "ts": ts, "thread_ts": root, "parent_user_id": "U0ADMIN"}
    edit = fixture(
        "message_changed",
        ts=slack.new_ts(),
        message=theirs | {"text": ANSWER + " Edited."},
        previous_message=theirs | {"text": ANSWER},
    )
    deletion = fixture("message_deleted", ts=slack.new_ts(), deleted_ts=ts, previous_message=theirs)
    async with locked.holder.hold():
        for event in (edit, deletion):
            envelope, (status, _) = await slack.event(event)  # the first delivery: retries remain
            assert status == 200
            await app.idle()
            assert f"event {envelope['event_id']}" in logs.text  # it did meet the lock
        assert "Slack is asked to send it again" not in logs.text

        # Deleting the answer in the prompt's thread still asks Slack for a retry, which applies it.
        mine = fixture(
            "message_deleted",
            ts=slack.new_ts(),
            deleted_ts=answer["ts"],
            previous_message={"user": "U0BOB", "ts": answer["ts"], "thread_ts": post.ts},
        )
        envelope, (status, _) = await slack.event(mine)
        assert status == messages.RETRY_STATUS
        await app.idle()
    assert await _count(locked.ctx, AnswerPart) == 1
    assert (await slack.resend_event(envelope, retry=1))[0] == 200
    await app.idle()
    assert await _count(locked.ctx, AnswerPart) == 0
    assert not _told(slack, "U0BOB")
    assert "Roll back" not in logs.text


async def test_commands_and_clicks_on_a_locked_database_say_try_again_and_the_retry_works(
    wired: tuple[FakeSlack, SlackApp], locked: Locked
) -> None:
    slack, app = wired
    post = await _prompt(slack, app)
    [vote] = buttons(post)
    async with locked.holder.hold():
        assert (await slack.command("pair", user="U0BOB"))[1][0] == 200
        assert (await slack.click(slack.click_payload(post, vote, user="U0BOB")))[0] == 200
        await app.idle()
    assert _told(slack, "U0BOB") == [DATABASE_DOWN, DATABASE_DOWN]

    # The member tries again: neither try is taken for a duplicate of the failed one.
    assert (await slack.command("pair", user="U0BOB"))[1][0] == 200
    await app.idle()
    assert "opted in" in _told(slack, "U0BOB")[-1]
    assert (await slack.click(slack.click_payload(post, vote, user="U0BOB")))[0] == 200
    await app.idle()
    assert DATABASE_DOWN not in _told(slack, "U0BOB")[-1]


async def test_in_socket_mode_a_refused_answer_is_not_acked_and_the_retried_envelope_stores_it(
    locked: Locked, logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(messages, "RECORD_BUDGET_S", 20)
    async with FakeSlack() as slack:
        slack.add_user("U0ADMIN", "ada", admin=True)
        slack.add_user("U0BOB", "bob")
        settings = Settings.model_validate(
            {
                "SLACK_BOT_TOKEN": "xoxb-socket",
                "SLACK_APP_TOKEN": "xapp-socket",
                "SLACK_API_URL": slack.api_url,
                "PREPBOT_HOST": "127.0.0.1",
                "PREPBOT_PORT": 0,
            }
        )
        stop = asyncio.Event()
        running = asyncio.create_task(
            run(build_bot(locked.ctx), SlackConnector(settings, socket=True), settings, stop)
        )
        try:
            await slack.wait_for(lambda: slack.socket is not None)
            command = fixture(
                "slash_command", text="prompt", user_id="U0ADMIN", response_url=slack.response_url()
            )
            await slack.send_envelope("slash_commands", command)
            [post] = await slack.wait_for(lambda: slack.sent("chat.postMessage"))
            envelope = fixture("event_callback", event=_reply(slack, post.ts), event_id="EvSOCKETANSWER")

            async with locked.holder.hold():
                first = await slack.send_envelope("events_api", envelope)
                await slack.wait_for(lambda: "Slack is asked to send it again" in logs.text)
            assert not any(a.get("envelope_id") == first for a in slack.socket_acks)  # no ack: Slack retries

            retried = await slack.send_envelope("events_api", envelope, retry=1)
            await slack.wait_for(lambda: any(a.get("envelope_id") == retried for a in slack.socket_acks))
            # The ack waited for the store (a budget of 20 s here): the answer is in, once.
            assert await _count(locked.ctx, AnswerPart) == 1
            assert "Roll back" not in logs.text
        finally:
            stop.set()
            await asyncio.wait_for(running, timeout=30)
