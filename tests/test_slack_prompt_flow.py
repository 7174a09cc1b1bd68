"""The daily prompt on Slack, driven the way Slack drives it, every request replayed.

An admin posts a scenario with ``/prep prompt``; three members answer in its
thread (``message`` events), one edits, a fourth answers and deletes; members
press **Vote** and vote on their ephemeral ballots (``block_actions``); the
admin runs ``/prep reveal`` and the digest lands in the thread. Each request is
sent again with ``X-Slack-Retry-Num`` right after, and nothing happens twice.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import func, select

from adapters.slack.app import SlackApp
from bot.services.context import ServiceContext
from bot.store.models import Answer, AnswerPart, Vote
from tests.support.fake_slack import ApiCall, FakeSlack, buttons, fixture, slack_app_on, text_of

MEMBERS = {"U0ADMIN": "ada", "U0BOB": "bob", "U0CARA": "cara", "U0DAN": "dan", "U0EVE": "eve"}


@pytest.fixture
async def wired(ctx: ServiceContext) -> AsyncIterator[tuple[FakeSlack, SlackApp]]:
    async with FakeSlack() as fake, slack_app_on(ctx, fake) as app:
        for user_id, name in MEMBERS.items():
            fake.add_user(user_id, name, admin=user_id == "U0ADMIN")
        yield fake, app


async def _count(ctx: ServiceContext, table: Any) -> int:
    async with ctx.db.unit() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


class Flow:
    """Sends each request twice (the second as Slack's retry) and waits for the work to settle."""

    def __init__(self, slack: FakeSlack, app: SlackApp) -> None:
        self.slack, self.app = slack, app

    async def command(self, text: str, user: str) -> None:
        form, (status, _) = await self.slack.command(text, user=user)
        assert status == 200
        await self.app.idle()
        calls = len(self.slack.calls)
        assert (await self.slack.resend_command(form, retry=1))[0] == 200
        await self.app.idle()
        assert len(self.slack.calls) == calls, "a retried command did something"

    async def event(self, event: dict[str, Any]) -> None:
        envelope, (status, _) = await self.slack.event(event)
        assert status == 200
        await self.app.idle()
        calls = len(self.slack.calls)
        assert (await self.slack.resend_event(envelope, retry=1))[0] == 200
        await self.app.idle()
        assert len(self.slack.calls) == calls, "a retried event did something"

    async def click(self, message: ApiCall, label: str, user: str, *, ephemeral: bool = False) -> None:
        [button] = [b for b in buttons(message) if b["text"]["text"].lstrip("✓ ").startswith(label)]
        payload = self.slack.click_payload(message, button, user=user, ephemeral=ephemeral)
        assert (await self.slack.click(payload))[0] == 200
        await self.app.idle()
        calls = len(self.slack.calls)
        assert (await self.slack.click(payload, retry=1))[0] == 200
        await self.app.idle()
        assert len(self.slack.calls) == calls, "a retried click did something"

    def reply(self, user: str, text: str, thread_ts: str, ts: str) -> dict[str, Any]:
        return fixture("message_thread_reply", user=user, text=text, thread_ts=thread_ts, ts=ts)

    def last_ephemeral(self, user: str) -> ApiCall:
        return self.slack.sent("chat.postEphemeral", user=user)[-1]


async def test_prompt_answers_blind_votes_and_digest(
    wired: tuple[FakeSlack, SlackApp], ctx: ServiceContext
) -> None:
    slack, app = wired
    flow = Flow(slack, app)

    await flow.command("prompt", "U0ADMIN")
    [post] = slack.sent("chat.postMessage")
    assert post["channel"] == "C0GENERAL" and post["text"].strip() and not post.get("thread_ts")
    assert [b["text"]["text"] for b in buttons(post)] == ["Vote"]
    root = post.ts

    answers = {
        "U0BOB": "Roll back first, then find the cause with the team and the owners.",
        "U0CARA": "Write down the context, share it openly, and let the owner decide.",
        "U0DAN": "Disagree openly in the review and commit once it is decided.",
    }
    for user, text in answers.items():
        await flow.event(flow.reply(user, text, root, slack.new_ts()))
    # eve answers, then deletes her reply: her answer goes.
    eve_ts = slack.new_ts()
    await flow.event(flow.reply("U0EVE", "Ship it anyway.", root, eve_ts))
    previous = {"user": "U0EVE", "ts": eve_ts, "thread_ts": root}
    await flow.event(fixture("message_deleted", deleted_ts=eve_ts, previous_message=previous))
    # dan edits his reply: the answer keeps its place and takes the new text.
    dan_ts = slack.new_ts()
    await flow.event(flow.reply("U0DAN", "Also: I would write it up.", root, dan_ts))
    edited = fixture("message_changed")
    edited["message"] = {**edited["message"], "user": "U0DAN", "ts": dan_ts, "thread_ts": root}
    edited["message"]["text"] = "Also: I would write the decision up for everyone."
    edited["previous_message"] = {"user": "U0DAN", "ts": dan_ts, "thread_ts": root, "text": "old"}
    await flow.event(edited)
    # Noise the bot must ignore: another bot in the thread, a top-level chat line.
    await flow.event(fixture("bot_message", thread_ts=root, ts=slack.new_ts()))
    assert await _count(ctx, Answer) == 3 and await _count(ctx, AnswerPart) == 4
    async with ctx.db.unit() as session:
        part = (await session.execute(select(AnswerPart).where(AnswerPart.message_id == dan_ts))).scalar_one()
    assert part.text == "Also: I would write the decision up for everyone."

    # Blind ballots: bob and dan vote for cara, cara votes for dan.
    for voter, choice in (("U0BOB", "cara"), ("U0DAN", "cara"), ("U0CARA", "dan")):
        await flow.click(post, "Vote", voter)
        ballot = flow.last_ephemeral(voter)
        labels = [b["text"]["text"] for b in buttons(ballot)]
        assert len(labels) == 2 and all(len(label) <= 75 for label in labels)
        assert "vote" not in text_of(ballot).split("Your ballot")[0].lower()
        opening = answers[{"cara": "U0CARA", "dan": "U0DAN"}[choice]][:10]
        [number] = [label.split(".")[0] for label in labels if opening in label]
        await flow.click(ballot, number, voter, ephemeral=True)
        assert "recorded" in flow.last_ephemeral(voter)["text"]
    assert await _count(ctx, Vote) == 3

    # A vote pressed twice (a real second press, not a retry) is withdrawn, then cast again.
    await flow.click(post, "Vote", "U0BOB")
    ballot = flow.last_ephemeral("U0BOB")
    [number] = [m[1] for b in buttons(ballot) if (m := re.match(r"✓ (\d+)\.", b["text"]["text"]))]
    await flow.click(ballot, number, "U0BOB", ephemeral=True)
    assert "withdrawn" in flow.last_ephemeral("U0BOB")["text"]
    assert await _count(ctx, Vote) == 2
    await flow.click(ballot, number, "U0BOB", ephemeral=True)
    assert await _count(ctx, Vote) == 3

    await flow.command("reveal", "U0ADMIN")
    [digest] = slack.sent("chat.postMessage", thread_ts=root)
    assert digest["channel"] == "C0GENERAL" and digest["text"].strip()
    lines = [line for line in text_of(digest).splitlines() if re.match(r"^\d+\. ", line)]
    assert re.search(r"^1\. .*Write down the context.*cara.*2 votes$", lines[0])
    assert re.search(r"^2\. .*dan.*1 vote$", lines[1])
    assert re.search(r"^3\. .*bob.*0 votes$", lines[2])
    assert "Ship it anyway" not in text_of(digest)
    assert len(slack.sent("chat.postMessage")) == 2


MASS_MENTIONS = ("<!channel>", "<!here>", "<!everyone>", "<!subteam^S0DEVS|@backend-devs>", "<@U0CARA>")


async def test_mentions_in_an_answer_are_not_mentions_in_the_digest(
    wired: tuple[FakeSlack, SlackApp], ctx: ServiceContext
) -> None:
    """An answer that says <!channel> is quoted in the digest as plain text, not as the bot's mention."""
    slack, app = wired
    flow = Flow(slack, app)
    await flow.command("prompt", "U0ADMIN")
    [post] = slack.sent("chat.postMessage")
    loud = "Hey <!channel> <!here> <!everyone> <!subteam^S0DEVS|@backend-devs> <@U0CARA>: roll back first."
    await flow.event(flow.reply("U0BOB", loud, post.ts, slack.new_ts()))
    await flow.event(
        flow.reply(
            "U0CARA", "Write the context down, and share it openly with the team.", post.ts, slack.new_ts()
        )
    )
    # A crown takes votes from two members: cara and dan both vote for bob's answer.
    for voter in ("U0CARA", "U0DAN"):
        await flow.click(post, "Vote", voter)
        ballot = flow.last_ephemeral(voter)
        label = next(b["text"]["text"] for b in buttons(ballot) if "Hey" in b["text"]["text"])
        await flow.click(ballot, label.split(".")[0], voter, ephemeral=True)
    await flow.command("reveal", "U0ADMIN")
    [digest] = slack.sent("chat.postMessage", thread_ts=post.ts)
    shown = text_of(digest)
    assert "Top answer, by bob" in shown and "roll back first" in shown
    for written in (digest["text"], str(digest["blocks"])):
        for token in MASS_MENTIONS:
            assert token not in written, f"{token} re-posted as a mention"
        assert "<!" not in written and "<@" not in written
    assert "@\u2060channel" in digest["text"] and "@\u2060backend-devs" in shown
