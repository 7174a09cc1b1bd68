"""``/prep forget-me`` on Slack end to end: a signed command, the ephemeral confirmation, the click.

Every request is sent again as Slack's retry (``X-Slack-Retry-Num``); nothing happens twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, func, select

from adapters.slack.app import SlackApp
from bot.services.context import ServiceContext
from bot.store.models import Answer, Member, Vote
from tests.support.fake_slack import FakeSlack, buttons, slack_app_on, text_of
from tests.test_slack_prompt_flow import Flow
from tests.test_totals import kept, recount

MEMBERS = {"U0ADMIN": "ada", "U0BOB": "bob", "U0CARA": "cara"}


@pytest.fixture
async def wired(ctx: ServiceContext) -> AsyncIterator[tuple[FakeSlack, SlackApp]]:
    async with FakeSlack() as fake, slack_app_on(ctx, fake) as app:
        for user_id, name in MEMBERS.items():
            fake.add_user(user_id, name, admin=user_id == "U0ADMIN")
        yield fake, app


async def test_forget_me_on_slack_confirms_privately_and_removes_her_votes_and_answer(
    wired: tuple[FakeSlack, SlackApp], ctx: ServiceContext
) -> None:
    slack, app = wired
    flow = Flow(slack, app)
    await flow.command("prompt", "U0ADMIN")
    [post] = slack.sent("chat.postMessage")
    for user, text in (
        ("U0BOB", "Roll back first, then find the cause with the team and the owners of it."),
        ("U0CARA", "Write down the context, share it openly, and let the owner decide on it."),
    ):
        await flow.event(flow.reply(user, text, post.ts, slack.new_ts()))
    for voter, number in (("U0BOB", "2."), ("U0CARA", "1.")):  # each votes for the other's answer
        await flow.click(post, "Vote", voter)
        await flow.click(flow.last_ephemeral(voter), number, voter, ephemeral=True)
    async with ctx.db.unit() as s:
        assert (await s.execute(select(func.count()).select_from(Vote))).scalar_one() == 2

    await flow.command("forget-me", "U0CARA")
    ask = flow.last_ephemeral("U0CARA")
    assert [b["text"]["text"] for b in buttons(ask)] == ["Forget me", "Cancel"]
    assert "cannot be undone" in text_of(ask)
    await flow.click(ask, "Forget me", "U0CARA", ephemeral=True)
    done = flow.last_ephemeral("U0CARA")
    assert done["text"].startswith("Done: prepbot has forgotten you")
    assert "votes you cast: 1" in text_of(done) and "votes others cast on your answers: 1" in text_of(done)
    async with ctx.db.unit() as s:
        assert (await s.execute(select(func.count()).select_from(Vote))).scalar_one() == 0
        authors = (await s.execute(select(col(Member.external_id)).join(Answer))).scalars().all()
        assert authors == ["U0BOB"]
        assert "U0CARA" not in (await s.execute(select(col(Member.external_id)))).scalars().all()
    assert await kept(ctx.db) == await recount(ctx.db)
    # Only cara was ever shown any of it; no public post came of it.
    assert [c["channel"] for c in slack.sent("chat.postMessage")] == ["C0GENERAL"]
