"""Slack hears "OK" within 3 s whatever the Web API does; votes and answers are stored first.

The fake Slack answers slowly here (users.info and the posting methods take
seconds), as a congested workspace would. Bounds are the contract's, not timings.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from sqlmodel import func, select

from adapters.slack.app import SlackApp
from bot.services.context import ServiceContext
from bot.store.models import AnswerPart, Vote
from tests.support.fake_slack import FakeSlack, buttons, fixture, slack_app_on

ACK_S = 3.0


@pytest.fixture
async def wired(ctx: ServiceContext) -> AsyncIterator[tuple[FakeSlack, SlackApp]]:
    async with FakeSlack() as fake, slack_app_on(ctx, fake) as app:
        for user, name in (("U0ADMIN", "ada"), ("U0BOB", "bob"), ("U0CARA", "cara")):
            fake.add_user(user, name, admin=user == "U0ADMIN")
        yield fake, app


async def _count(ctx: ServiceContext, table: type) -> int:
    async with ctx.db.unit() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def test_acks_come_within_3_s_and_votes_are_stored_before_them(
    wired: tuple[FakeSlack, SlackApp], ctx: ServiceContext
) -> None:
    slack, app = wired
    await slack.command("prompt", user="U0ADMIN")
    [post] = await slack.wait_for(lambda: slack.sent("chat.postMessage"))
    for user, text in (
        ("U0BOB", "Roll back first, then find the cause together with the owners."),
        ("U0CARA", "Tell the team what I know, then decide together what to change."),
    ):
        await slack.event(
            fixture("message_thread_reply", user=user, text=text, thread_ts=post.ts, ts=slack.new_ts())
        )
    await app.idle()
    slack.add_user("U0DAN", "dan")  # a member users.info has not been asked about yet

    slack.delays = {"users.info": 1.0, "chat.postMessage": 4.0, "chat.postEphemeral": 4.0}
    started = time.monotonic()
    _, (status, _) = await slack.command("help", user="U0DAN")
    assert status == 200 and time.monotonic() - started < ACK_S

    # An answer arriving while Slack is slow: stored by the time Slack hears OK.
    started = time.monotonic()
    reply = fixture(
        "message_thread_reply",
        user="U0ADMIN",
        text="Write it up for everyone: what we knew, what we did, and why.",
        thread_ts=post.ts,
        ts=slack.new_ts(),
    )
    _, (status, _) = await slack.event(reply)
    assert status == 200 and time.monotonic() - started < ACK_S
    assert await _count(ctx, AnswerPart) == 3

    slack.delays = {}
    payload = slack.click_payload(post, buttons(post)[0], user="U0BOB")
    await slack.click(payload)
    await app.idle()
    ballot = slack.sent("chat.postEphemeral", user="U0BOB")[-1]

    slack.delays = {"chat.postEphemeral": 4.0}
    started = time.monotonic()
    status, _ = await slack.click(
        slack.click_payload(ballot, buttons(ballot)[0], user="U0BOB", ephemeral=True)
    )
    assert status == 200 and time.monotonic() - started < ACK_S
    assert await _count(ctx, Vote) == 1
    await app.idle()
