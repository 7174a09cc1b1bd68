"""A post sent by a process that died before recording it is found again, not posted twice."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from adapters.slack.port import SlackPort, make_client
from bot.domain import ChannelRef, SpaceRef
from bot.render import OutboundMessage
from bot.services.context import ServiceContext
from bot.services.prompts import deliver
from bot.store import prompts as store
from bot.store.models import PromptPost
from bot.store.tenants import ensure_channel
from tests.support.fake_slack import FakeSlack
from tests.support.slack_wire import TEAM

CHANNEL = ChannelRef(SpaceRef("slack", TEAM), "C0RECALL", "recall")


async def test_slack_finds_a_keyed_post_by_its_metadata() -> None:
    async with FakeSlack() as slack:
        port = SlackPort(make_client("xoxb-test", slack.api_url))
        sent = await port.post(CHANNEL, OutboundMessage(text="hello", key="k-1"))
        await port.post(CHANNEL, OutboundMessage(text="unkeyed"))
        assert await port.find_posted(CHANNEL, "k-1") == sent
        assert await port.find_posted(CHANNEL, "k-2") is None


async def test_a_retry_after_a_crash_mid_send_records_the_copy_that_went_out(ctx: ServiceContext) -> None:
    async with FakeSlack() as slack:
        port = SlackPort(make_client("xoxb-test", slack.api_url))
        async with ctx.db.unit() as session:
            channel = await ensure_channel(session, ref=CHANNEL)
            assert channel.id is not None
            prompt = await store.claim(
                session, space_id=channel.space_id, channel_id=channel.id,
                scenario_id=ctx.library.default.scenarios()[0].id, delivery_key="cmd:1",
            )  # fmt: skip
        assert prompt.id is not None
        # The first process took the lease, reached Slack, and died before recording the post.
        assert await deliver(ctx, port, prompt.id) == "posted"
        [first] = slack.sent("chat.postMessage", channel="C0RECALL")
        async with ctx.db.unit() as session:
            await session.execute(
                update(PromptPost)
                .where(col(PromptPost.id) == prompt.id)
                .values(status=store.CLAIMED, message_id=None, lease_until=None)
            )
        assert await deliver(ctx, port, prompt.id) == "posted"
        assert slack.sent("chat.postMessage", channel="C0RECALL") == [first]
        async with ctx.db.unit() as session:
            row = await session.get(PromptPost, prompt.id)
        assert row is not None and row.message_id == first.ts and row.status == store.OPEN


async def test_discord_a_keyed_post_sent_twice_is_one_message(app) -> None:  # type: ignore[no-untyped-def]
    fake = app.fake
    channel = ChannelRef(SpaceRef("discord", fake.guild_id), fake.general)
    port = app.client.handler.port
    message = OutboundMessage(text="Today's culture scenario", key="prepbot-prompt-7")
    first = await port.post(channel, message)
    again = await port.post(channel, message)  # a second process retrying the same claim
    assert again == first and len(fake.posts()) == 1
    await port.post(channel, OutboundMessage(text="Today's culture scenario"))
    assert len(fake.posts()) == 2  # without a key, nothing is deduplicated
