"""The app leaving and rejoining a space: scheduled work stops at once and comes back on reinstall.

Discord through the real client (the bot removed from the fake's server, then added
back); Slack with the one ``SLACK_BOT_TOKEN``; and every scheduled query of the store.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

from adapters.slack.connector import SlackConnector
from bot.clock import ManualClock
from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.features import build_bot
from bot.services.context import ServiceContext
from bot.store import challenges, lifecycle, members, pairings, prompts
from bot.store.engine import Database
from bot.store.tenants import ensure_channel, ensure_member
from tests.support.discord_harness import Running
from tests.support.fake_slack import FakeSlack, slack_app_on
from tests.support.slack_wire import TEAM


async def _removed(db: Database, ref: SpaceRef) -> dt.datetime | None:
    async with db.unit() as session:
        return await lifecycle.removed_at(session, ref=ref)


async def _eventually(check: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(200):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the space's state did not change")


async def test_the_bot_leaving_a_discord_server_stops_it_and_rejoining_resumes(app: Running) -> None:
    await app.client.wait_until_ready()  # a join is a GUILD_CREATE after READY's guilds have all come
    guild = SpaceRef("discord", app.fake.guild_id)
    db = app.bot.ctx.db
    assert await _removed(db, guild) is None
    await app.send("GUILD_DELETE", {"id": app.fake.guild_id})  # kicked (no ``unavailable``)
    await _eventually(lambda: _is_removed(db, guild, True))
    added = {k: v for k, v in app.fake.guild_payload().items() if k != "unavailable"}  # a join, not a replay
    await app.send("GUILD_CREATE", added)  # added back
    await _eventually(lambda: _is_removed(db, guild, False))


async def _is_removed(db: Database, ref: SpaceRef, expected: bool) -> bool:
    return (await _removed(db, ref) is not None) is expected


async def test_an_outage_is_not_a_removal(app: Running) -> None:
    await app.send("GUILD_DELETE", {"id": app.fake.guild_id, "unavailable": True})
    await app.settle()
    assert await _removed(app.bot.ctx.db, SpaceRef("discord", app.fake.guild_id)) is None


async def test_one_token_slack_app_uninstalled_stops_the_workspace(ctx: ServiceContext) -> None:
    async with FakeSlack() as slack, slack_app_on(ctx, slack) as running:
        _, (status, _) = await slack.event({"type": "app_uninstalled"})
        await running.idle()
        assert status == 200
        assert await _removed(ctx.db, SpaceRef("slack", TEAM)) is not None


async def test_every_scheduled_query_skips_a_removed_space(ctx: ServiceContext, clock: ManualClock) -> None:
    now = clock.now()
    gone, kept = SpaceRef("slack", "T0GONE"), SpaceRef("slack", "T0KEPT")
    async with ctx.db.unit() as session:
        for space in (gone, kept):
            channel = await ensure_channel(session, ref=ChannelRef(space, f"C{space.id}"))
            channel.post_time, channel.schedule_from = "09:00", now - dt.timedelta(days=1)
            member = await ensure_member(session, ref=MemberRef(space, f"U{space.id}", "m"))
            member.interview_date, member.plan_channel_id = (now + dt.timedelta(days=9)).date(), channel.id
            session.add_all([channel, member])
        await lifecycle.mark_removed(session, ref=gone, at=now)

    async with ctx.db.unit() as session:
        assert [s.external_id for _, s in await prompts.scheduled_channels(session)] == [kept.id]
        assert [s.external_id for _, _, s in await members.with_interviews(session)] == [kept.id]
        # Pairing, reveals, reminders, claims and challenges keep to installed spaces by the same filter.
        for query in (pairings.pairing_channels(session), prompts.still_voting(session, now=now)):
            assert all(s.external_id != gone.id for *_, s in await query)
        assert await prompts.due_reveals(session, now=now) == []
        assert await prompts.sendable_claims(session, now=now) == []
        assert await challenges.all_active(session) == []

    async with ctx.db.unit() as session:
        await lifecycle.mark_installed(session, ref=gone)
    async with ctx.db.unit() as session:
        assert len(await prompts.scheduled_channels(session)) == 2


async def test_a_one_token_start_reinstalls_its_workspace(ctx: ServiceContext) -> None:
    """A workspace that removed the app, then gave the operator a new token: its schedules come back."""
    async with ctx.db.unit() as session:
        await lifecycle.mark_removed(session, ref=SpaceRef("slack", TEAM), at=ctx.clock.now())
    async with FakeSlack() as slack:
        settings = ctx.settings.model_copy(
            update={
                "slack_bot_token": "xoxb-new",
                "slack_signing_secret": "s",
                "slack_api_url": slack.api_url,
            }
        )
        started = SlackConnector(settings)
        await started.start(build_bot(ctx))
        await started.stop()
    assert await _removed(ctx.db, SpaceRef("slack", TEAM)) is None
