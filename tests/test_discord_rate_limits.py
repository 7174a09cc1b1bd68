"""Posting on Discord keeps to its documented limits from the start, so the fake never answers 429.

The fake enforces Discord's global limit (50 requests a second per bot) and a
per-route bucket for message creates in each channel, announced in the
``X-RateLimit-*`` headers of every answer as Discord does. prepbot's REST session
paces the global limit itself (:mod:`adapters.discord.ratelimits`); discord.py
keeps to each route's bucket from its headers. Counts only: no timing asserts.
"""

from __future__ import annotations

import asyncio

from adapters.discord.port import DiscordPort
from adapters.discord.ratelimits import GLOBAL
from bot.domain import ChannelRef, SpaceRef
from bot.render import OutboundMessage
from tests.support.discord_harness import Running
from tests.support.fake_discord import FakeDiscord

DISCORD_CHANNELS = 20  # the conftest's fake serves this many text channels


def channel(fake: FakeDiscord, channel_id: str) -> ChannelRef:
    return ChannelRef(SpaceRef("discord", fake.guild_id), channel_id)


async def test_a_fan_out_past_the_global_limit_is_paced_not_refused(app: Running) -> None:
    fake = app.fake
    fake.global_per_second = GLOBAL.calls
    fake.channel_posts = (5, 1.0)
    port = DiscordPort(app.client)
    channels = list(fake.channels)
    # 60 posts at once: more than Discord's global limit allows in a second.
    posts = [
        port.post(channel(fake, cid), OutboundMessage(text=f"post {n} in {cid}"))
        for cid in channels
        for n in range(3)
    ]
    await asyncio.gather(*posts)
    assert (fake.global_limited, fake.rate_limited) == (0, 0)
    for cid in channels:
        assert sorted(p["content"] for p in fake.posts(cid)) == [f"post {n} in {cid}" for n in range(3)]


async def test_posts_to_one_channel_keep_to_its_route_bucket(app: Running) -> None:
    fake = app.fake
    fake.global_per_second = GLOBAL.calls
    fake.channel_posts = (5, 1.0)
    port = DiscordPort(app.client)
    await asyncio.gather(
        *(port.post(channel(fake, fake.general), OutboundMessage(text=f"post {n:02d}")) for n in range(12))
    )
    assert fake.rate_limited == 0
    assert sorted(p["content"] for p in fake.posts()) == [f"post {n:02d}" for n in range(12)]
