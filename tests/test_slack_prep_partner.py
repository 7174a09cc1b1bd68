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


def _private_to(slack: FakeSlack, user: str) -> list[str]:
    """Everything shown only to ``user``: ephemeral messages, or direct messages as a fallback."""
    texts = [text_of(c) for c in slack.sent("chat.postEphemeral") if c["user"] == user]
    texts += [text_of(c) for c in slack.sent("chat.postMessage") if c["channel"] == user]
    return texts


async def test_pairing_round_reaches_each_member_privately(wired: tuple[FakeSlack, SlackApp]) -> None:
    slack, app = wired
    for user in ("U0BOB", "U0CAT"):
        await slack.command("pair", user=user)
        await slack.wait_for(lambda user=user: any("opted in" in t for t in _private_to(slack, user)))
    await slack.command("pair now", user="U0ADA")
    for user in ("U0BOB", "U0CAT"):
        await slack.wait_for(
            lambda user=user: any("Mock interview this week" in t for t in _private_to(slack, user))
        )
    await app.idle()
    interviewer = [u for u in ("U0BOB", "U0CAT") if any("you interview" in t for t in _private_to(slack, u))]
    assert len(interviewer) == 1
    public = [c for c in slack.sent("chat.postMessage") if c["channel"] == "C0GENERAL"]
    assert public == []  # nothing about pairs is posted in the channel


async def test_interview_plan_and_export_are_private(wired: tuple[FakeSlack, SlackApp]) -> None:
    slack, app = wired
    await slack.command("interview 2099-01-15 Netflix", user="U0BOB")
    await slack.wait_for(lambda: any("to your Netflix interview" in t for t in _private_to(slack, "U0BOB")))
    await slack.command("export", user="U0BOB")
    await slack.wait_for(lambda: any("# Interview prep — bob" in t for t in _private_to(slack, "U0BOB")))
    await app.idle()
    document = next(t for t in _private_to(slack, "U0BOB") if "# Interview prep" in t)
    assert "Interview: 2099-01-15 (Netflix)" in document and "## Questions I plan to ask" in document
    assert slack.sent("chat.postMessage") == []
