"""``/prep`` on Slack end to end: signed slash commands in, Block Kit out, retries harmless."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from adapters.slack.app import SlackApp
from bot.services.context import ServiceContext
from bot.store.models import Channel
from tests.support.fake_slack import FakeSlack, buttons, fixture, slack_app_on, text_of


@pytest.fixture
async def wired(ctx: ServiceContext) -> AsyncIterator[tuple[FakeSlack, SlackApp]]:
    async with FakeSlack() as fake, slack_app_on(ctx, fake) as app:
        fake.add_user("U0ALICE", "alice")
        fake.add_user("U0ADMIN", "ada", admin=True)
        yield fake, app


async def test_help_is_an_ephemeral_block_kit_message(wired: tuple[FakeSlack, SlackApp]) -> None:
    slack, app = wired
    _, (status, body) = await slack.command("help", user="U0ALICE")
    assert status == 200 and body == ""
    [call] = await slack.wait_for(lambda: slack.sent("chat.postEphemeral"))
    assert call["user"] == "U0ALICE" and call["channel"] == "C0GENERAL"
    assert "prepbot helps your team" in call["text"]
    assert "/prep quiz" in text_of(call)
    assert all(len(b["text"]["text"]) <= 3000 for b in call["blocks"] if b["type"] == "section")
    await app.idle()
    assert slack.sent("chat.postMessage") == []


async def test_empty_command_text_shows_help(wired: tuple[FakeSlack, SlackApp]) -> None:
    slack, _ = wired
    await slack.command("", user="U0ALICE")
    [call] = await slack.wait_for(lambda: slack.sent("chat.postEphemeral"))
    assert "prepbot helps your team" in call["text"]


async def test_a_retried_command_changes_nothing(wired: tuple[FakeSlack, SlackApp]) -> None:
    slack, app = wired
    form, _ = await slack.command("help", user="U0ALICE")
    await slack.wait_for(lambda: slack.sent("chat.postEphemeral"))
    for retry in (1, 2, 3):
        status, _ = await slack.resend_command(form, retry=retry)
        assert status == 200
    await app.idle()
    assert len(slack.sent("chat.postEphemeral")) == 1


async def test_admin_commands_check_users_info_and_cache_it(wired: tuple[FakeSlack, SlackApp]) -> None:
    slack, app = wired
    await slack.command("prompt", user="U0ALICE")
    [refusal] = await slack.wait_for(lambda: slack.sent("chat.postEphemeral"))
    assert "for workspace admins" in refusal["text"]
    await slack.command("reveal", user="U0ALICE")
    await slack.wait_for(lambda: len(slack.sent("chat.postEphemeral")) == 2)
    await app.idle()
    assert len(slack.sent("users.info", user="U0ALICE")) == 1
    assert slack.sent("chat.postMessage") == []

    await slack.command("prompt", user="U0ADMIN")
    [post] = await slack.wait_for(lambda: slack.sent("chat.postMessage"))
    assert post["text"].strip() and "thread_ts" not in post.args
    assert [b["text"]["text"] for b in buttons(post)] == ["Vote"]


async def test_schedule_arguments_come_from_the_command_text(wired: tuple[FakeSlack, SlackApp]) -> None:
    slack, _ = wired
    await slack.command("schedule 09:30 Europe/London mon-fri", user="U0ADMIN")
    [reply] = await slack.wait_for(lambda: slack.sent("chat.postEphemeral"))
    assert "09:30 Europe/London" in text_of(reply)


async def test_unknown_command_is_answered_privately(wired: tuple[FakeSlack, SlackApp]) -> None:
    slack, _ = wired
    await slack.command("dance now", user="U0ALICE")
    [reply] = await slack.wait_for(lambda: slack.sent("chat.postEphemeral"))
    assert "/prep help" in reply["text"]


@pytest.mark.parametrize("private", [True, False])
async def test_whisper_falls_back_to_the_response_url(
    wired: tuple[FakeSlack, SlackApp], private: bool
) -> None:
    slack, _ = wired
    slack.add_channel("G0ELSEWHERE", private=private, member=False)  # a channel prepbot was never invited to
    form, _ = await slack.command("help", user="U0ALICE", channel="G0ELSEWHERE")
    [response] = await slack.wait_for(lambda: slack.responses)
    assert response["url"] == form["response_url"]
    assert response["response_type"] == "ephemeral" and "prepbot helps your team" in response["text"]
    [refused] = slack.refused("chat.postEphemeral")
    assert refused.result["error"] == ("channel_not_found" if private else "not_in_channel")


async def test_a_mention_answers_with_help_once(wired: tuple[FakeSlack, SlackApp]) -> None:
    slack, app = wired
    envelope, (status, _) = await slack.event(fixture("app_mention"))
    assert status == 200
    [call] = await slack.wait_for(lambda: slack.sent("chat.postEphemeral"))
    assert call["user"] == "U0ALICE" and "prepbot helps your team" in call["text"]
    await slack.resend_event(envelope, retry=1)
    await app.idle()
    assert len(slack.sent("chat.postEphemeral")) == 1


async def test_app_home_shows_stats_or_help(wired: tuple[FakeSlack, SlackApp]) -> None:
    slack, app = wired
    envelope, (status, _) = await slack.event(fixture("app_home_opened"))
    assert status == 200
    [call] = await slack.wait_for(lambda: slack.sent("views.publish"))
    assert call["user_id"] == "U0ALICE" and call["view"]["type"] == "home"
    assert 1 < len(call["view"]["blocks"]) <= 100
    shown = "\n".join(b["text"]["text"] for b in call["view"]["blocks"] if b.get("type") == "section")
    expected = "Your" if "stats" in app.bot.commands else "prepbot helps your team"
    assert expected.lower() in shown.lower()
    await slack.resend_event(envelope, retry=1)
    await app.idle()
    assert len(slack.sent("views.publish")) == 1


async def test_schedule_in_a_private_channel_says_to_invite_prepbot(
    wired: tuple[FakeSlack, SlackApp], ctx: ServiceContext
) -> None:
    """Slack sends no message events from a channel prepbot is not in: it must never schedule silently."""
    slack, app = wired
    slack.add_channel("G0SECRET", private=True, member=False)
    await slack.command("schedule 09:30 Europe/London", user="U0ADMIN", channel="G0SECRET")
    [response] = await slack.wait_for(lambda: slack.responses)
    await app.idle()
    assert response["response_type"] == "ephemeral" and "/invite @prepbot" in response["text"]
    assert slack.sent("conversations.join") == [] and slack.sent("chat.postMessage") == []
    async with ctx.db.unit() as session:
        channels = (await session.execute(select(Channel).where(Channel.external_id == "G0SECRET"))).all()
    assert all(c.post_time is None for (c,) in channels), "no schedule saved"


async def test_schedule_in_a_public_channel_joins_it_first(
    wired: tuple[FakeSlack, SlackApp], ctx: ServiceContext
) -> None:
    slack, app = wired
    slack.add_channel("C0PUBLIC", member=False)
    await slack.command("schedule 09:30 Europe/London", user="U0ADMIN", channel="C0PUBLIC")
    await slack.wait_for(lambda: slack.sent("chat.postEphemeral", channel="C0PUBLIC"))
    await app.idle()
    assert slack.sent("conversations.join", channel="C0PUBLIC") and slack.channels["C0PUBLIC"].member
    async with ctx.db.unit() as session:
        [channel] = (await session.execute(select(Channel).where(Channel.external_id == "C0PUBLIC"))).one()
    assert channel.post_time == "09:30"
