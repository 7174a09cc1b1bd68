"""A channel challenge on Slack: a public question, answered by typing a top-level message."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from adapters.slack.app import SlackApp
from bot.clock import ManualClock
from bot.content_schema import FreeText, MultipleChoice
from bot.services.challenge_rounds import REACTION
from bot.services.context import ServiceContext
from bot.store.models import ChallengeRound
from tests.support.fake_slack import FakeSlack, fixture, slack_app_on, text_of


@pytest.fixture
async def wired(ctx: ServiceContext) -> AsyncIterator[tuple[FakeSlack, SlackApp]]:
    async with FakeSlack() as fake, slack_app_on(ctx, fake) as app:
        fake.add_user("U0ALICE", "alice")
        fake.add_user("U0BOB", "bob")
        yield fake, app


async def test_a_typed_answer_wins_once(wired: tuple[FakeSlack, SlackApp], ctx: ServiceContext) -> None:
    slack, app = wired
    assert "challenge" in app.bot.commands
    await slack.command("challenge culture-values 1", user="U0ALICE")
    await app.idle()
    [question] = [c for c in slack.sent("chat.postMessage") if c["text"].startswith("Round 1/1")]
    assert not question.get("thread_ts")
    posts = len(slack.sent("chat.postMessage"))

    async with ctx.db.unit() as session:
        rnd = (await session.execute(select(ChallengeRound).order_by(col(ChallengeRound.id).desc()))).scalar()
    assert rnd is not None
    item = ctx.library.default.get(rnd.item_id)
    assert isinstance(item, MultipleChoice | FreeText)
    typed = item.answer if isinstance(item, MultipleChoice) else item.accepted[0]
    assert isinstance(ctx.clock, ManualClock)
    ctx.clock.advance(REACTION * 2)  # bob reads the question before typing

    await slack.event(fixture("message", user="U0BOB", text="no idea, sorry", ts=slack.new_ts()))
    await app.idle()
    assert len(slack.sent("chat.postMessage")) == posts
    envelope, (status, _) = await slack.event(fixture("message", user="U0BOB", text=typed, ts=slack.new_ts()))
    assert status == 200
    await app.idle()
    await slack.resend_event(envelope, retry=1)
    await app.idle()
    wins = [c for c in slack.sent("chat.postMessage") if "🏆" in text_of(c)]
    assert len(wins) == 1 and "bob" in text_of(wins[0])
