"""A channel challenge on Slack: a public question, answered by typing a top-level message."""

from __future__ import annotations

import datetime as dt
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


async def test_a_question_the_archived_channel_refuses_stops_the_challenge_and_tells_its_starter(
    wired: tuple[FakeSlack, SlackApp], ctx: ServiceContext
) -> None:
    """Slack answers ``is_archived`` to round 2: nobody saw it, so it never times out; a tick
    tries it again, stops the challenge, and (the channel refusing that too) alice hears why."""
    slack, app = wired
    await slack.command("challenge culture-values 3", user="U0ALICE")
    await app.idle()
    [first] = [c for c in slack.sent("chat.postMessage") if c["text"].startswith("Round 1/3")]
    async with ctx.db.unit() as session:
        rnd = (await session.execute(select(ChallengeRound))).scalars().one()
    item = ctx.library.default.get(rnd.item_id)
    assert isinstance(item, MultipleChoice | FreeText)
    assert isinstance(ctx.clock, ManualClock)
    ctx.clock.advance(REACTION * 2)
    slack.add_channel(first["channel"], "general", archived=True)  # someone archived it
    typed = item.answer if isinstance(item, MultipleChoice) else item.accepted[0]
    await slack.event(fixture("message", user="U0BOB", text=typed, ts=slack.new_ts()))
    await app.idle()
    for _ in range(6):  # a minute of ticks: past the round's 45 s and the post's lease
        ctx.clock.advance(dt.timedelta(seconds=10))
        await app.bot.tick(app.port)
    refused = [text_of(c) for c in slack.refused("chat.postMessage")]
    assert any(t.startswith("Round 2/3") for t in refused)
    assert not any("Time's up" in t for t in refused)
    dm = slack.dm_of("U0ALICE")
    assert dm is not None
    [told] = [text_of(c) for c in slack.sent("chat.postMessage", channel=dm)]
    assert "Challenge over. Stopped: round 2's question could not be posted in #" in told
    assert (
        "is archived: unarchive it and invite prepbot back, then start a new one with `/prep challenge`"
        in told
    )
