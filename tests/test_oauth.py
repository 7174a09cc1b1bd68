"""OAuth installs: the tables, the settings, tenants never mixed, org-wide installs, one refresh at a time."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import (
    AsyncSQLAlchemyInstallationStore,
    SQLAlchemyInstallationStore,
)
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore

from adapters.slack.connector import connector
from bot.clock import ManualClock
from bot.connector import Misconfigured
from bot.domain import ChannelRef, SpaceRef
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store import lifecycle
from bot.store.engine import Database
from bot.store.prompts import scheduled_channels
from bot.store.tenants import ensure_channel
from tests.support.fake_slack import FakeSlack
from tests.support.slack_oauth import (
    click_in,
    command_in,
    event_in,
    install,
    installed_app_on,
    near_expiry,
    tokens_used,
)

ALPHA, BETA, ORG = "T0ALPHA", "T0BETA", "E0ORG"


def _sdk_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    SQLAlchemyInstallationStore.build_installations_table(metadata, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
    AsyncSQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")
    return metadata


async def test_migrated_tables_are_slack_sdks_own(db: Database) -> None:
    """Migration 0016_oauth creates exactly the tables slack_sdk's stores define; they create none."""
    sdk = _sdk_metadata()
    async with db.engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), sdk))
    about_sdk = [d for d in diff if "slack_" in repr(d) and "slackteam" not in repr(d)]
    assert about_sdk == []
    # The stores work on the migrated tables as they are (no create_tables call anywhere).
    store = AsyncSQLAlchemyInstallationStore(client_id="1111.2222", engine=db.engine)
    await store.async_save(
        Installation(
            app_id="A1", team_id=ALPHA, user_id="U1", bot_token="xoxb-1", bot_id="B1", bot_user_id="UB"
        )
    )
    found = await store.async_find_installation(enterprise_id=None, team_id=ALPHA)
    assert found is not None and found.bot_token == "xoxb-1"
    assert await store.async_find_installation(enterprise_id=None, team_id=BETA) is None
    states = AsyncSQLAlchemyOAuthStateStore(expiration_seconds=60, engine=db.engine)
    state = await states.async_issue()
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False


@pytest.mark.parametrize(
    ("env", "line"),
    [
        ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_ID is set without SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_SECRET": "s"}, "SLACK_CLIENT_SECRET is set without SLACK_CLIENT_ID"),
        (
            {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"},
            "set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET",
        ),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}, "set SLACK_SIGNING_SECRET"),
    ],
)
def test_a_half_or_double_configuration_is_one_line_naming_the_setting(
    env: dict[str, str], line: str
) -> None:
    settings = Settings.model_validate(env)
    with pytest.raises(Misconfigured) as refused:
        connector(settings)
    assert line in str(refused.value) and "\n" not in str(refused.value)


def test_oauth_needs_no_bot_token() -> None:
    settings = Settings.model_validate(
        {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "x"}
    )
    assert connector(settings).settings.slack_oauth


async def test_a_forged_team_gets_a_clear_answer_and_no_token(ctx: ServiceContext) -> None:
    """A validly signed request naming a workspace that never installed prepbot: no one's token."""
    async with FakeSlack() as slack, installed_app_on(ctx, slack) as running:
        slack.add_user("U0ADA", "ada")
        assert (await install(running.base, slack, ALPHA))[0] == 200
        since = len(slack.calls)
        status, body = await command_in(slack, "T0FORGED", "help", user="U0ADA", channel="C0ALPHA")
        await running.idle()
        assert status == 200
        assert tokens_used(slack, since=since) == []  # not even auth.test: nothing to authorize with
        assert "not installed" in (slack.responses[-1]["text"] if slack.responses else body)
        async with ctx.db.engine.connect() as conn:
            spaces = (await conn.execute(sa.text("SELECT external_id FROM space"))).scalars().all()
        assert "T0FORGED" not in spaces
        # A click from it: the same clear answer through the click's response_url, no token.
        button = {
            "type": "button",
            "action_id": "quiz.answer",
            "value": "x",
            "text": {"type": "plain_text", "text": "A"},
        }
        message = {"channel": "C0ALPHA", "ts": "1700000001.000001", "text": "q", "blocks": []}
        press = slack.click_payload(message, button, user="U0ADA")
        assert (await click_in(slack, "T0FORGED", press))[0] == 200
        await running.idle()
        assert tokens_used(slack, since=since) == []
        assert slack.responses[-1]["url"].endswith(press["response_url"].rsplit("/", 1)[-1])
        assert "not installed" in slack.responses[-1]["text"]
        # An event from it is acked (no retries) and does nothing.
        assert (await event_in(slack, "T0FORGED", {"type": "app_mention", "user": "U0ADA", "text": "hi",
                                                    "channel": "C0X", "ts": "1.1"}))[0] == 200  # fmt: skip
        await running.idle()
        assert tokens_used(slack, since=since) == []


async def test_an_org_wide_install_serves_every_workspace_of_the_org(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    clock.set(dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC))
    async with FakeSlack() as slack:
        async with installed_app_on(ctx, slack) as running:
            slack.add_user("U0ADA", "ada", admin=True, tz="UTC")
            assert (await install(running.base, slack, None, enterprise_id=ORG, org_wide=True))[0] == 200
            [org_token] = slack.tokens_of(ORG)
            since = len(slack.calls)
            for team in ("T0ONE", "T0TWO"):
                status, _ = await command_in(
                    slack,
                    team,
                    "schedule 09:00 UTC",
                    user="U0ADA",
                    channel=f"C{team}",
                    enterprise=ORG,
                    org_wide=True,
                )
                assert status == 200
            await running.idle()
            assert {t for _, t in tokens_used(slack, since=since)} == {org_token}
        # Another process (a restart): the scheduled posts of both workspaces find the org's token.
        async with installed_app_on(ctx, slack) as again:
            clock.set(dt.datetime(2026, 3, 3, 9, 0, 30, tzinfo=dt.UTC))
            since = len(slack.calls)
            await again.app.bot.tick(again.app.port)
            posts = [c for c in slack.calls[since:] if c.method == "chat.postMessage"]
            assert sorted(c["channel"] for c in posts) == ["CT0ONE", "CT0TWO"]
            assert {c.token for c in posts} == {org_token}
            # The org removes the app: every workspace of it stops.
            slack.uninstall(ORG)
            assert (
                await event_in(slack, "T0ONE", {"type": "app_uninstalled"}, enterprise=ORG, org_wide=True)
            )[0] == 200
            await again.idle()
            assert again.app.oauth is not None
            store = again.app.oauth.store
            assert (
                await store.async_find_installation(
                    enterprise_id=ORG, team_id=None, is_enterprise_install=True
                )
                is None
            )
            assert (
                await store.async_find_bot(enterprise_id=ORG, team_id=None, is_enterprise_install=True)
                is None
            )
            async with ctx.db.unit() as session:
                for team in ("T0ONE", "T0TWO"):
                    assert await lifecycle.removed_at(session, ref=SpaceRef("slack", team)) is not None


@pytest.mark.parametrize("left", [600, 20], ids=["hours-left", "seconds-left"])
async def test_two_replicas_refresh_an_expiring_token_once(
    ctx: ServiceContext, database_url: str, left: int
) -> None:
    """Two app processes on one database meet the same expiring token at once: Slack sees one refresh.

    With time left on the old token the replica that did not refresh keeps using it (no wait
    before its ack); with seconds left it waits for the token the other replica saves.
    """
    other = Database(database_url)
    try:
        async with (
            FakeSlack() as slack,
            installed_app_on(ctx, slack) as one,
            installed_app_on(ctx, slack, db=other) as two,
        ):
            slack.add_user("U0ADA", "ada")
            assert (await install(one.base, slack, ALPHA))[0] == 200
            [old] = slack.tokens_of(ALPHA)
            await near_expiry(one.app, slack, ALPHA, seconds=left)
            slack.delays["oauth.v2.access"] = 0.3  # a refresh takes a while: the two would overlap
            since = len(slack.calls)
            urls = [f"{app.base}/slack/events" for app in (one, two, one, two)]
            answers = await asyncio.gather(
                *(command_in(slack, ALPHA, "help", user="U0ADA", channel="C0ALPHA", url=url) for url in urls)
            )
            await one.idle()
            await two.idle()
            assert [status for status, _ in answers] == [200] * 4
            assert slack.oauth.refreshed == [ALPHA]  # one refresh, not one per replica
            assert not slack.refused("oauth.v2.access")  # nobody reused the spent refresh token
            [new] = [t for t in slack.tokens_of(ALPHA) if t != old]
            used = {t for _, t in tokens_used(slack, since=since)}
            assert used == {new} if left < 30 else used <= {old, new}
            assert [c for c in slack.calls[since:] if c.result.get("ok") is False] == []
            assert len(slack.sent("chat.postEphemeral")) == 4
            # From now on both replicas use the new token.
            since = len(slack.calls)
            for url in urls[:2]:
                assert (await command_in(slack, ALPHA, "help", user="U0ADA", channel="C0ALPHA", url=url))[
                    0
                ] == 200
            await one.idle()
            await two.idle()
            assert {t for _, t in tokens_used(slack, since=since)} == {new}
    finally:
        await other.dispose()


async def test_a_refused_refresh_or_code_is_answered_not_served(ctx: ServiceContext) -> None:
    async with FakeSlack() as slack, installed_app_on(ctx, slack) as running:
        slack.add_user("U0ADA", "ada")
        assert (await install(running.base, slack, ALPHA))[0] == 200
        # A code Slack never gave (or one already used): the install fails, nothing is stored.
        status, page, _ = await install(running.base, slack, BETA, code="code-forged")
        assert status == 400 and "invalid_code" in page
        assert [c.result["error"] for c in slack.refused("oauth.v2.access")] == ["invalid_code"]
        assert running.app.oauth is not None
        assert await running.app.oauth.store.async_find_installation(enterprise_id=None, team_id=BETA) is None
        # The refresh token is refused (revoked on Slack's side): the request gets the clear answer.
        await near_expiry(running.app, slack, ALPHA)
        slack.oauth.refresh_tokens.clear()
        since = len(slack.calls)
        assert (await command_in(slack, ALPHA, "help", user="U0ADA", channel="C0ALPHA"))[0] == 200
        await running.idle()
        refused = [c.result["error"] for c in slack.refused("oauth.v2.access")]
        assert refused == ["invalid_code", "invalid_refresh_token"]
        assert [m for m, _ in tokens_used(slack, since=since)] == []
        assert "not installed" in slack.responses[-1]["text"]


async def test_tokens_revoked_removes_the_bot_token_and_stops_the_space(ctx: ServiceContext) -> None:
    async with FakeSlack() as slack, installed_app_on(ctx, slack) as running:
        assert (await install(running.base, slack, ALPHA))[0] == 200
        slack.uninstall(ALPHA)
        event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOTT0ALPHA"]}}
        assert (await event_in(slack, ALPHA, event))[0] == 200
        await running.idle()
        assert running.app.oauth is not None
        assert await running.app.oauth.store.async_find_bot(enterprise_id=None, team_id=ALPHA) is None
        async with ctx.db.unit() as session:
            assert await lifecycle.removed_at(session, ref=SpaceRef("slack", ALPHA)) is not None


async def test_scheduled_work_for_a_workspace_without_an_installation_stops(
    ctx: ServiceContext, clock: ManualClock
) -> None:
    """A schedule left from before (one-token mode, or a missed uninstall event) is stopped, not retried."""
    clock.set(dt.datetime(2026, 3, 3, 9, 0, 30, tzinfo=dt.UTC))
    async with ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=ChannelRef(SpaceRef("slack", BETA), "C0BETA"))
        channel.post_time, channel.timezone = "09:00", "UTC"
        channel.schedule_from = clock.now() - dt.timedelta(days=1)
        session.add(channel)
    async with FakeSlack() as slack, installed_app_on(ctx, slack) as running:
        await running.app.bot.tick(running.app.port)
        assert tokens_used(slack) == []
        async with ctx.db.unit() as session:
            assert await lifecycle.removed_at(session, ref=SpaceRef("slack", BETA)) is not None
            assert await scheduled_channels(session) == []
