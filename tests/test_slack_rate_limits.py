"""Slack's 429s are waited out: every post arrives, none twice.

The fake Slack caps chat.postMessage at 4 a second for the workspace and
answers the rest with 429 and ``Retry-After: 1``, as Slack does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from collections.abc import AsyncIterator

import aiohttp
import pytest

from adapters.slack.app import SlackApp
from adapters.slack.port import SlackPort, make_client
from adapters.slack.ratelimits import CHANNEL_POSTS, WORKSPACE_POSTS
from adapters.slack.webclient import PacedWebClient
from bot.clock import ManualClock
from bot.domain import ChannelRef, SpaceRef
from bot.render import OutboundMessage
from bot.services.context import ServiceContext
from tests.support.fake_slack import FakeSlack, slack_app_on

CHANNELS = [f"C0ROOM{n:02d}" for n in range(20)]
CONTRACT_S = 25.0


@pytest.fixture
async def wired(ctx: ServiceContext) -> AsyncIterator[tuple[FakeSlack, SlackApp]]:
    async with FakeSlack() as fake, slack_app_on(ctx, fake) as app:
        fake.add_user("U0ADMIN", "ada", admin=True)
        yield fake, app


def _top_level_posts(slack: FakeSlack) -> Counter[str]:
    return Counter(c["channel"] for c in slack.sent("chat.postMessage") if not c.get("thread_ts"))


async def test_a_429_is_waited_out_and_the_post_sent_once() -> None:
    async with FakeSlack(posts_per_second=1) as slack:
        port = SlackPort(make_client("xoxb-test", slack.api_url))
        channel = ChannelRef(SpaceRef("slack", "T0PREP"), "C0GENERAL")
        posts = [port.post(channel, OutboundMessage(text=f"post {n}")) for n in range(3)]
        refs = await asyncio.gather(*posts)
        assert len({ref.id for ref in refs}) == 3
        assert sorted(c["text"] for c in slack.sent("chat.postMessage")) == ["post 0", "post 1", "post 2"]
        assert any(c.status == 429 for c in slack.calls)


async def test_a_scheduled_fan_out_to_20_channels_under_429s_posts_each_once(
    wired: tuple[FakeSlack, SlackApp], clock: ManualClock
) -> None:
    slack, app = wired
    for channel in CHANNELS:
        await slack.command("schedule 09:00 UTC", user="U0ADMIN", channel=channel)
    await app.idle()
    assert len(slack.sent("chat.postEphemeral", user="U0ADMIN")) == len(CHANNELS)

    slack.posts_per_second = 4
    clock.set(dt.datetime(2026, 1, 5, 9, 0, 5, tzinfo=dt.UTC))
    started = time.monotonic()
    # Two ticks at once, as two replicas (or a tick and a catch-up) would run them.
    await asyncio.gather(app.bot.tick(app.port), app.bot.tick(app.port))
    elapsed = time.monotonic() - started

    assert _top_level_posts(slack) == Counter({channel: 1 for channel in CHANNELS})
    assert any(c.status == 429 for c in slack.calls)
    assert elapsed < CONTRACT_S


async def test_prompt_commands_in_20_channels_at_once_post_once(wired: tuple[FakeSlack, SlackApp]) -> None:
    slack, app = wired
    slack.posts_per_second = 4
    sent = await asyncio.gather(*(slack.command("prompt", user="U0ADMIN", channel=c) for c in CHANNELS))
    assert all(status == 200 for _, (status, _) in sent)
    # Slack retries every one of them while the first attempts are still waiting out 429s.
    await asyncio.gather(*(slack.resend_command(form, retry=1) for form, _ in sent))
    await slack.wait_for(lambda: len(_top_level_posts(slack)) == len(CHANNELS), timeout=CONTRACT_S)
    await app.idle()
    assert _top_level_posts(slack) == Counter({channel: 1 for channel in CHANNELS})
    assert slack.sent("chat.postEphemeral") == []


async def test_posts_within_the_documented_limits_are_never_refused() -> None:
    # Slack's documented limits, enforced by the fake: 1 post a second per channel with short
    # bursts, the workspace-wide figure, Tier 3 for conversations.open.
    async with FakeSlack(
        posts_per_second=WORKSPACE_POSTS.calls,
        channel_posts=(CHANNEL_POSTS.calls, CHANNEL_POSTS.period),
        method_limits={"conversations.open": (50, 60.0)},
    ) as slack:
        port = SlackPort(make_client("xoxb-test", slack.api_url))
        space = SpaceRef("slack", "T0PREP")
        channels = [ChannelRef(space, f"C0FAN{n:03d}") for n in range(60)]
        posts = [port.post(c, OutboundMessage(text=f"post {c.id}")) for c in channels]
        posts += [port.post(channels[0], OutboundMessage(text=f"again {n}")) for n in range(5)]
        await asyncio.gather(*posts)
        assert [c.status for c in slack.calls if c.status == 429] == []
        assert Counter(c["channel"] for c in slack.sent("chat.postMessage")) == Counter(
            {c.id: 1 for c in channels[1:]} | {channels[0].id: 6}
        )


async def test_overlapping_calls_share_one_session_which_closes_once_idle() -> None:
    async with FakeSlack() as slack:
        client = make_client("xoxb-test", slack.api_url)
        port = SlackPort(client)
        space = SpaceRef("slack", "T0PREP")
        burst = asyncio.gather(
            *(port.post(ChannelRef(space, f"C0ROOM{n:02d}"), OutboundMessage(text="hi")) for n in range(10))
        )
        while client.session is None:
            await asyncio.sleep(0)
        shared = client.session
        await burst
        await port.post(ChannelRef(space, "C0ROOM10"), OutboundMessage(text="right after"))
        assert client.session is shared  # a call right after the burst reuses its connections
        for _ in range(100):  # then, idle, the session is closed: nothing stays open
            if shared.closed:
                break
            await asyncio.sleep(0.05)
        assert client.session is None and shared.closed
        assert len(slack.sent("chat.postMessage")) == 11
        # A session handed to the client is the caller's: used, and left open.
        async with aiohttp.ClientSession() as given:
            own = PacedWebClient(token="xoxb-test", base_url=slack.api_url, session=given)
            await SlackPort(own).post(ChannelRef(space, "C0ROOM00"), OutboundMessage(text="again"))
            assert own.session is given and not given.closed
