"""A refresh token Slack refuses (``invalid_refresh_token``): one clear line, the workspace stopped, no loop.

The installation can no longer get a working token (only a reinstall gives a new
refresh token), so retrying it on every tick would only hammer Slack and fill the
log. prepbot logs once what happened and what the admin should do, stops the
workspace's scheduled work as on an uninstall, and asks Slack no more.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from adapters.slack.keyring import LEASE
from bot.clock import ManualClock
from bot.domain import ChannelRef, SpaceRef
from bot.services.context import ServiceContext
from bot.store import lifecycle
from bot.store.prompts import scheduled_channels
from bot.store.tenants import ensure_channel
from tests.support.fake_slack import FakeSlack
from tests.support.slack_oauth import command_in, install, installed_app_on, near_expiry

ALPHA = "T0ALPHA"


async def test_a_refused_refresh_token_stops_the_workspace_once(
    ctx: ServiceContext, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    clock.set(dt.datetime(2026, 3, 3, 9, 0, 30, tzinfo=dt.UTC))
    async with FakeSlack() as slack, installed_app_on(ctx, slack) as running:
        slack.add_user("U0ADA", "ada")
        assert (await install(running.base, slack, ALPHA))[0] == 200
        async with ctx.db.unit() as session:
            channel = await ensure_channel(session, ref=ChannelRef(SpaceRef("slack", ALPHA), "C0ALPHA"))
            channel.post_time, channel.timezone = "09:00", "UTC"
            channel.schedule_from = clock.now() - dt.timedelta(days=1)
            session.add(channel)
        await near_expiry(running.app, slack, ALPHA)
        slack.oauth.refresh_tokens.clear()  # revoked on Slack's side
        caplog.set_level(logging.WARNING)
        for _ in range(3):
            await running.app.bot.tick(running.app.port)
            clock.advance(dt.timedelta(minutes=1))
        # A member's request meanwhile gets the clear answer, without another refresh.
        assert (await command_in(slack, ALPHA, "help", user="U0ADA", channel="C0ALPHA"))[0] == 200
        await running.idle()
        assert [c.result["error"] for c in slack.refused("oauth.v2.access")] == ["invalid_refresh_token"]
        assert "not installed" in slack.responses[-1]["text"]
        async with ctx.db.unit() as session:
            assert await lifecycle.removed_at(session, ref=SpaceRef("slack", ALPHA)) is not None
            assert await scheduled_channels(session) == []
        lines = [r.getMessage() for r in caplog.records if "invalid_refresh_token" in r.getMessage()]
        assert len(lines) == 1 and "/slack/install" in lines[0], lines
        assert len([r for r in caplog.records if r.exc_info]) <= 1  # the one failed send, not one per tick
        # A reinstall brings it back.
        assert (await install(running.base, slack, ALPHA))[0] == 200
        async with ctx.db.unit() as session:
            assert await lifecycle.removed_at(session, ref=SpaceRef("slack", ALPHA)) is None


async def test_the_refresh_lease_outlasts_a_refresh_call(ctx: ServiceContext) -> None:
    """A lease running out while its holder still waits on Slack would let a second replica spend the
    same refresh token (and read Slack's refusal as final): the lease outlasts the call, retries included."""
    async with FakeSlack() as slack, installed_app_on(ctx, slack) as running:
        assert running.app.oauth is not None
        client = running.app.oauth.keyring.rotator.client
        assert client.timeout is not None
        attempts = 1 + sum(getattr(h, "max_retry_count", 0) for h in client.retry_handlers)
        assert LEASE.total_seconds() > client.timeout * attempts
