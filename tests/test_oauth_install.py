"""Many workspaces end to end, through the real Slack listener: install, use, rotate, uninstall.

Two workspaces install prepbot through ``GET /slack/install`` and Slack's redirect;
their members use it in turn; one workspace's token is refreshed before it expires;
the other removes the app. Every Web API call must carry the token of the workspace
it is for, the removed workspace's tokens must be gone, and its schedules stopped.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text

from adapters.slack.oauth import BOT_SCOPES
from bot.clock import ManualClock
from bot.content_schema import MultipleChoice
from bot.domain import SpaceRef
from bot.services.context import ServiceContext
from bot.store import lifecycle
from bot.store.prompts import scheduled_channels
from tests.support.fake_slack import ApiCall, FakeSlack, buttons, text_of
from tests.support.fake_slack_web import manifest_scopes
from tests.support.slack_oauth import (
    click_in,
    command_in,
    event_in,
    install,
    installed_app_on,
    near_expiry,
    tokens_used,
)

ALPHA, BETA = "T0ALPHA", "T0BETA"
A_CHANNEL, B_CHANNEL = "C0ALPHA", "C0BETA"


async def _installations(ctx: ServiceContext, team: str) -> int:
    async with ctx.db.engine.connect() as conn:
        found = await conn.execute(
            text("SELECT count(*) FROM slack_installations WHERE team_id = :t"), {"t": team}
        )
        bots = await conn.execute(text("SELECT count(*) FROM slack_bots WHERE team_id = :t"), {"t": team})
        return int(found.scalar_one()) + int(bots.scalar_one())


async def test_two_workspaces_install_use_rotate_and_one_leaves(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    clock.set(dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC))
    async with FakeSlack() as slack, installed_app_on(ctx, slack) as running:
        slack.add_user("U0ADA", "ada", admin=True, tz="UTC")
        slack.add_user("U0BEA", "bea", admin=True, tz="UTC")

        # --- both install (the admin is sent to Slack with the manifest's scopes) -------
        status, page, scopes = await install(running.base, slack, ALPHA, name="Alpha")
        assert status == 200, page
        assert set(scopes) == set(BOT_SCOPES) == manifest_scopes()
        assert (await install(running.base, slack, BETA, name="Beta"))[0] == 200
        [a_token] = slack.tokens_of(ALPHA)
        [b_token] = slack.tokens_of(BETA)

        # --- both use it, interleaved: each request answered with its own token ---------
        since = len(slack.calls)
        for team, user, channel in ((ALPHA, "U0ADA", A_CHANNEL), (BETA, "U0BEA", B_CHANNEL)) * 2:
            assert (await command_in(slack, team, "quiz", user=user, channel=channel))[0] == 200
        assert (await command_in(slack, ALPHA, "schedule 09:00 UTC", user="U0ADA", channel=A_CHANNEL))[
            0
        ] == 200
        assert (await command_in(slack, BETA, "schedule 09:00 UTC", user="U0BEA", channel=B_CHANNEL))[
            0
        ] == 200
        await running.idle()
        questions = {
            u: [c for c in slack.sent("chat.postEphemeral", user=u) if buttons(c)][-1]
            for u in ("U0ADA", "U0BEA")
        }
        for team, user in ((BETA, "U0BEA"), (ALPHA, "U0ADA")):  # clicks, the other way round
            press = slack.click_payload(
                questions[user], _right(ctx, questions[user]), user=user, ephemeral=True
            )
            assert (await click_in(slack, team, press))[0] == 200
        await running.idle()
        _assert_own_tokens(slack, since, {A_CHANNEL: a_token, B_CHANNEL: b_token, "U0ADA": a_token,
                                          "U0BEA": b_token})  # fmt: skip
        assert {t for _, t in tokens_used(slack, since=since)} == {a_token, b_token}
        # Each workspace sees only its own rows: Alpha's leaderboard never names Beta's member.
        assert (await command_in(slack, ALPHA, "leaderboard all", user="U0ADA", channel=A_CHANNEL))[0] == 200
        await running.idle()
        board = [
            c for c in slack.calls if c.method.startswith("chat.post") and c.args.get("channel") == A_CHANNEL
        ][-1]
        assert "ada" in text_of(board) and "bea" not in text_of(board), text_of(board)
        assert board.token == a_token

        # --- Alpha's token nears its expiry: refreshed once, then used ------------------
        await near_expiry(running.app, slack, ALPHA)
        since = len(slack.calls)
        assert (await command_in(slack, ALPHA, "help", user="U0ADA", channel=A_CHANNEL))[0] == 200
        await running.idle()
        assert slack.oauth.refreshed == [ALPHA]
        new_a = slack.tokens_of(ALPHA)[-1]
        assert new_a != a_token
        assert {t for _, t in tokens_used(slack, since=since)} == {new_a}

        # --- Beta removes the app: tokens deleted at once, schedules stop ----------------
        slack.uninstall(BETA)
        assert await _installations(ctx, BETA) > 0
        status, _ = await event_in(slack, BETA, {"type": "app_uninstalled"})
        assert status == 200
        await running.idle()
        assert await _installations(ctx, BETA) == 0
        assert await _installations(ctx, ALPHA) > 0
        async with ctx.db.unit() as session:
            assert await lifecycle.removed_at(session, ref=SpaceRef("slack", BETA)) is not None
            assert [c.external_id for c, _ in await scheduled_channels(session)] == [A_CHANNEL]
        # A request that still claims to come from Beta gets the "not installed" answer, no token.
        since = len(slack.calls)
        assert (await command_in(slack, BETA, "help", user="U0BEA", channel=B_CHANNEL))[0] == 200
        await running.idle()
        assert tokens_used(slack, since=since) == []
        assert "not installed" in slack.responses[-1]["text"]

        # At 09:00 only Alpha's channel gets its prompt, with Alpha's token.
        clock.set(dt.datetime(2026, 3, 3, 9, 0, 30, tzinfo=dt.UTC))
        since = len(slack.calls)
        await running.app.bot.tick(running.app.port)
        posts = [c for c in slack.calls[since:] if c.method == "chat.postMessage"]
        assert [c["channel"] for c in posts] == [A_CHANNEL]
        assert {c.token for c in posts} == {new_a}

        # Inside the uninstall retention window nothing of Beta's is deleted (see the end).
        assert await _rows(ctx, BETA) > 0

        # --- Beta installs again: its schedule comes back -----------------------------
        assert (await install(running.base, slack, BETA, name="Beta"))[0] == 200
        async with ctx.db.unit() as session:
            assert await lifecycle.removed_at(session, ref=SpaceRef("slack", BETA)) is None
            assert {c.external_id for c, _ in await scheduled_channels(session)} == {A_CHANNEL, B_CHANNEL}

        # --- Beta leaves for good: its data goes once the retention window has passed --
        slack.uninstall(BETA)
        assert (await event_in(slack, BETA, {"type": "app_uninstalled"}))[0] == 200
        await running.idle()
        alphas, betas = await _rows(ctx, ALPHA), await _rows(ctx, BETA)
        window = dt.timedelta(days=ctx.settings.uninstall_retention_days)
        clock.set(clock.now() + window - dt.timedelta(hours=1))
        await running.app.bot.tick(running.app.port)  # the daily retention job, inside the window
        assert await _rows(ctx, BETA) == betas > 0
        clock.set(clock.now() + dt.timedelta(hours=2))
        await running.app.bot.tick(running.app.port)  # the same job, past it
        assert await _rows(ctx, BETA) == 0
        assert await _rows(ctx, ALPHA) == alphas > 0


async def _rows(ctx: ServiceContext, team: str) -> int:
    """A workspace's members, channels and quiz attempts (rows a purge must delete)."""
    async with ctx.db.engine.connect() as conn:
        total = 0
        for table in ("member", "channel", "quizattempt"):
            found = await conn.execute(
                text(
                    f"SELECT count(*) FROM {table} t JOIN space s ON s.id = t.space_id "
                    "WHERE s.external_id = :t"
                ),
                {"t": team},
            )
            total += int(found.scalar_one())
        return total


def _right(ctx: ServiceContext, question: ApiCall) -> dict[str, Any]:
    """The button of the right answer (the buttons name the item and the choice)."""
    for button in buttons(question):
        _, item_id, choice = button["value"].split("|")[:3]
        item = ctx.library.default.get(item_id)
        if isinstance(item, MultipleChoice) and int(choice) == item.answer_index:
            return button
    raise AssertionError("no right answer among the buttons")


def _assert_own_tokens(slack: FakeSlack, since: int, token_of: dict[str, str]) -> None:
    """Every call about a channel or member of one workspace carried that workspace's token."""
    checked = 0
    for call in slack.calls[since:]:
        about = call.args.get("channel") or call.args.get("user")
        if about in token_of:
            assert call.token == token_of[about], (call.method, about)
            checked += 1
    assert checked >= 8
