"""Report a problem on Slack: the Report button opens a modal (views.open); its submission is stored once.

Signed block_actions and view_submission requests go to prepbot's real HTTP
listener; its Web API calls go to the fake Slack, which answers as Slack does,
including a refused views.open.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from adapters.slack.app import SlackApp
from adapters.slack.forms import BLOCK_ID, CALLBACK_ID
from bot.content_schema import MultipleChoice
from bot.services.context import ServiceContext
from bot.store.models import Report
from tests.support.fake_slack import ApiCall, FakeSlack, buttons, slack_app_on


@pytest.fixture
async def wired(ctx: ServiceContext) -> AsyncIterator[tuple[FakeSlack, SlackApp]]:
    async with FakeSlack() as fake, slack_app_on(ctx, fake) as app:
        fake.add_user("U0ALICE", "alice")
        yield fake, app


async def feedback_for(slack: FakeSlack, app: SlackApp, ctx: ServiceContext) -> ApiCall:
    """Alice takes a quiz and answers it; returns the feedback ephemeral."""
    await slack.command("quiz culture-values", user="U0ALICE")
    await app.idle()
    [question] = slack.sent("chat.postEphemeral", user="U0ALICE")
    item = ctx.library.default.get(buttons(question)[0]["value"].split("|")[1])
    assert isinstance(item, MultipleChoice)
    wrong = next(b for b in buttons(question) if int(b["value"].split("|")[2]) != item.answer_index)
    assert (await slack.click(slack.click_payload(question, wrong, user="U0ALICE", ephemeral=True)))[0] == 200
    await app.idle()
    feedback = slack.sent("chat.postEphemeral", user="U0ALICE")[-1]
    assert feedback["text"].startswith("❌ Incorrect")
    return feedback


def report_button(message: ApiCall) -> dict:
    (found,) = [b for b in buttons(message) if b["text"]["text"].startswith("Report")]
    return found


async def stored(ctx: ServiceContext) -> list[Report]:
    async with ctx.db.unit() as session:
        return list((await session.execute(select(Report))).scalars().all())


async def test_report_opens_a_modal_and_its_submission_is_stored_once(
    wired: tuple[FakeSlack, SlackApp], ctx: ServiceContext
) -> None:
    slack, app = wired
    feedback = await feedback_for(slack, app, ctx)
    ephemerals = len(slack.sent("chat.postEphemeral"))

    click = slack.click_payload(feedback, report_button(feedback), user="U0ALICE", ephemeral=True)
    assert (await slack.click(click))[0] == 200
    await app.idle()
    [opened] = slack.sent("views.open")
    assert opened["trigger_id"] == click["trigger_id"]  # the click's own trigger, within its 3 seconds
    view = opened["view"]
    assert view["type"] == "modal" and view["callback_id"] == CALLBACK_ID
    assert view["title"]["text"] == "Report a problem" and view["blocks"][0]["optional"] is True
    assert len(slack.sent("chat.postEphemeral")) == ephemerals  # nothing is said before the submit
    assert await stored(ctx) == []

    note = "The explanation contradicts the memo's own wording."
    submit = slack.submit_payload(opened, user="U0ALICE", values={BLOCK_ID: note})
    status, body = await slack.click(submit)
    assert status == 200 and body == ""  # an empty ack closes the modal
    await app.idle()
    [report] = await stored(ctx)
    item_id = report_button(feedback)["value"].split("|")[1]
    assert (report.item_id, report.pack_id, report.note) == (item_id, "netflix", note)
    assert report.resolved_at is None
    thanks = slack.sent("chat.postEphemeral", user="U0ALICE")[-1]
    assert thanks["channel"] == "C0GENERAL" and "Thanks" in thanks["text"] and note not in thanks["text"]

    # Slack's retry of the same submission changes nothing and says nothing twice.
    calls = len(slack.calls)
    assert (await slack.click(submit, retry=1))[0] == 200
    await app.idle()
    assert len(slack.calls) == calls and len(await stored(ctx)) == 1
    assert ctx.metrics.value("prepbot_reports_total", change="opened") == 1


async def test_a_refused_modal_still_records_the_report_without_a_note(
    wired: tuple[FakeSlack, SlackApp], ctx: ServiceContext
) -> None:
    slack, app = wired
    feedback = await feedback_for(slack, app, ctx)
    slack.views_open_error = "expired_trigger_id"
    click = slack.click_payload(feedback, report_button(feedback), user="U0ALICE", ephemeral=True)
    assert (await slack.click(click))[0] == 200
    await app.idle()
    assert [c.result["error"] for c in slack.calls if c.method == "views.open"] == ["expired_trigger_id"]
    [report] = await stored(ctx)
    assert report.note == ""
    assert "Thanks" in slack.sent("chat.postEphemeral", user="U0ALICE")[-1]["text"]


async def test_a_submission_of_a_view_that_is_not_ours_is_acked_and_ignored(
    wired: tuple[FakeSlack, SlackApp], ctx: ServiceContext
) -> None:
    slack, app = wired
    opened = ApiCall(
        "views.open", {}, result={"view": {"id": "VOTHER", "callback_id": CALLBACK_ID, "blocks": []}}
    )
    status, _ = await slack.click(slack.submit_payload(opened, user="U0ALICE", values={}))
    await app.idle()
    assert status == 200 and await stored(ctx) == []
    assert slack.sent("chat.postEphemeral") == []
