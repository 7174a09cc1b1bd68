"""A private quiz on Slack: an ephemeral question, answered by button, feedback first with the verdict."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.slack.app import SlackApp
from bot.content_schema import MultipleChoice
from bot.services.context import ServiceContext
from tests.support.fake_slack import ApiCall, FakeSlack, buttons, slack_app_on


@pytest.fixture
async def wired(ctx: ServiceContext) -> AsyncIterator[tuple[FakeSlack, SlackApp]]:
    async with FakeSlack() as fake, slack_app_on(ctx, fake) as app:
        fake.add_user("U0ALICE", "alice")
        yield fake, app


def _answer_buttons(question: ApiCall, ctx: ServiceContext) -> tuple[dict, list[dict]]:
    """The right button and the wrong ones, read from the item the buttons name."""
    elements = buttons(question)
    item_id = elements[0]["value"].split("|")[1]
    item = ctx.library.default.get(item_id)
    assert isinstance(item, MultipleChoice)
    right = [e for e in elements if int(e["value"].split("|")[2]) == item.answer_index]
    return right[0], [e for e in elements if e not in right]


async def _press(slack: FakeSlack, app: SlackApp, message: ApiCall, button: dict, *, retry: bool) -> None:
    payload = slack.click_payload(message, button, user="U0ALICE", ephemeral=True)
    assert (await slack.click(payload))[0] == 200
    await app.idle()
    if retry:
        calls = len(slack.calls)
        assert (await slack.click(payload, retry=1))[0] == 200
        await app.idle()
        assert len(slack.calls) == calls


async def test_quiz_answered_by_button(wired: tuple[FakeSlack, SlackApp], ctx: ServiceContext) -> None:
    assert "quiz" in wired[1].bot.commands
    slack, app = wired
    form, _ = await slack.command("quiz culture-values", user="U0ALICE")
    await app.idle()
    await slack.resend_command(form, retry=1)
    await app.idle()
    [question] = slack.sent("chat.postEphemeral", user="U0ALICE")
    assert slack.sent("chat.postMessage") == []
    assert all(len(b["text"]["text"]) <= 75 for b in buttons(question))

    right, wrong = _answer_buttons(question, ctx)
    await _press(slack, app, question, right, retry=True)
    feedback = slack.sent("chat.postEphemeral", user="U0ALICE")[-1]
    assert feedback["text"].startswith("✅ Correct")

    # A second, real press on the same question does not count again.
    await _press(slack, app, question, wrong[0], retry=False)
    assert "already answered" in slack.sent("chat.postEphemeral", user="U0ALICE")[-1]["text"]

    [next_button] = [b for b in buttons(feedback) if b["text"]["text"] == "Next"]
    await _press(slack, app, feedback, next_button, retry=True)
    second = slack.sent("chat.postEphemeral", user="U0ALICE")[-1]
    _, wrong = _answer_buttons(second, ctx)
    await _press(slack, app, second, wrong[0], retry=True)
    assert slack.sent("chat.postEphemeral", user="U0ALICE")[-1]["text"].startswith("❌ Incorrect")
