"""Pairing, interview plans and the prep document on Slack, driven as Slack drives them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.slack.app import SlackApp
from bot.services.context import ServiceContext
from tests.support.fake_slack import FakeSlack, slack_app_on, text_of


@pytest.fixture
async def wired(ctx: ServiceContext) -> AsyncIterator[tuple[FakeSlack, SlackApp]]:
    async with FakeSlack() as fake, slack_app_on(ctx, fake) as app:
        fake.add_user("U0ADA", "ada", admin=True)
        fake.add_user("U0BOB", "bob")
        fake.add_user("U0CAT", "cat")
        yield fake, app


def _ephemeral_to(slack: FakeSlack, user: str) -> list[str]:
    """Replies shown only to ``user`` in the channel, as answers to their own commands."""
    return [text_of(c) for c in slack.sent("chat.postEphemeral") if c["user"] == user]


def _dms_to(slack: FakeSlack, user: str) -> list[str]:
    """Direct messages: conversations.open gave a D… channel, chat.postMessage posted there."""
    dm = slack.dm_of(user)
    return [text_of(c) for c in slack.sent("chat.postMessage") if dm is not None and c["channel"] == dm]


def _private_to(slack: FakeSlack, user: str) -> list[str]:
    return _ephemeral_to(slack, user) + _dms_to(slack, user)


async def test_pairing_round_reaches_each_member_privately(wired: tuple[FakeSlack, SlackApp]) -> None:
    slack, app = wired
    for user in ("U0BOB", "U0CAT"):
        await slack.command("pair", user=user)
        await slack.wait_for(lambda user=user: any("opted in" in t for t in _private_to(slack, user)))
    await slack.command("pair now", user="U0ADA")
    for user in ("U0BOB", "U0CAT"):
        # Scripts are sent on the bot's own initiative: a DM that stays, never an ephemeral.
        await slack.wait_for(
            lambda user=user: any("Mock interview this week" in t for t in _dms_to(slack, user))
        )
        assert not any("Mock interview this week" in t for t in _ephemeral_to(slack, user))
    await app.idle()
    interviewer = [u for u in ("U0BOB", "U0CAT") if any("you interview" in t for t in _dms_to(slack, u))]
    assert len(interviewer) == 1
    assert {c["users"] for c in slack.sent("conversations.open")} >= {"U0BOB", "U0CAT"}
    public = [c for c in slack.sent("chat.postMessage") if c["channel"] == "C0GENERAL"]
    assert public == []  # nothing about pairs is posted in the channel
    # A second `pair now` in the same week draws nothing and sends no script twice.
    scripts = sum(len(_dms_to(slack, u)) for u in ("U0BOB", "U0CAT"))
    await slack.command("pair now", user="U0ADA")
    await app.idle()
    assert sum(len(_dms_to(slack, u)) for u in ("U0BOB", "U0CAT")) == scripts


async def test_interview_plan_and_export_are_private(wired: tuple[FakeSlack, SlackApp]) -> None:
    slack, app = wired
    await slack.command("interview 2099-01-15 Netflix", user="U0BOB")
    await slack.wait_for(lambda: any("to your Netflix interview" in t for t in _private_to(slack, "U0BOB")))
    await slack.command("export", user="U0BOB")
    # The document arrives as a Markdown file in bob's DM (files_upload_v2), with a short summary.
    [upload] = await slack.wait_for(lambda: [f for f in slack.files.values() if f.channel])
    await app.idle()
    assert upload.channel == slack.dm_of("U0BOB") and upload.filename.endswith(".md")
    assert upload.content is not None and upload.initial_comment
    document = upload.content.decode()
    assert "# Interview prep — bob" in document
    assert "Interview: 2099-01-15 (Netflix)" in document and "## Questions I plan to ask" in document
    assert any("direct messages" in t for t in _ephemeral_to(slack, "U0BOB"))
    public = [c for c in slack.sent("chat.postMessage") if c["channel"] == "C0GENERAL"]
    assert public == []
