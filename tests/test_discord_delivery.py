"""Posting on Discord: 429s waited out, no post lost or doubled, and messages within Discord's limits."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from adapters.discord.embeds import render
from adapters.discord.port import DiscordPort
from adapters.web import listening
from bot.domain import ChannelRef, SpaceRef
from bot.render import Button, Choice, OutboundMessage, Section
from host.web import web_app
from tests.support.discord_harness import Running
from tests.support.fake_discord import FakeDiscord

DISCORD_CHANNELS = 20  # the conftest's fake serves this many text channels


def channel(fake: FakeDiscord, channel_id: str) -> ChannelRef:
    return ChannelRef(SpaceRef("discord", fake.guild_id), channel_id)


async def test_a_429_on_message_create_is_waited_out_without_loss(app: Running) -> None:
    fake = app.fake
    fake.posts_per_second = 1
    port = DiscordPort(app.client)
    for n in range(3):
        await port.post(channel(fake, fake.general), OutboundMessage(text=f"post {n}"))
    assert fake.rate_limited >= 1
    assert [p["content"] for p in fake.posts()] == ["post 0", "post 1", "post 2"]
    # Every 429 discord.py waited out is counted, with the seconds it asked for, on /metrics.
    async with (
        listening(web_app(app.bot), "127.0.0.1", 0) as bound,
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{bound}/metrics") as response,
    ):
        text = await response.text()
    assert f'prepbot_rate_limited_total{{platform="discord"}} {float(fake.rate_limited)}' in text
    metrics = app.bot.ctx.metrics
    assert metrics.value("prepbot_rate_limit_wait_seconds_total", platform="discord") > 0
    assert "process_cpu_seconds_total" in text


async def test_a_fan_out_to_twenty_channels_under_a_cap_delivers_each_post_once(app: Running) -> None:
    fake = app.fake
    fake.posts_per_second = 4
    port = DiscordPort(app.client)
    channels = list(fake.channels)
    assert len(channels) == 20
    await asyncio.gather(
        *(port.post(channel(fake, cid), OutboundMessage(text=f"daily prompt for {cid}")) for cid in channels)
    )
    assert fake.rate_limited > 0  # the cap was hit, and waited out
    for cid in channels:
        assert [p["content"] for p in fake.posts(cid)] == [f"daily prompt for {cid}"]


async def test_an_answer_lost_after_the_post_was_made_does_not_post_twice(app: Running) -> None:
    fake = app.fake
    fake.fail_after_create = 1  # Discord creates the message, then answers 500
    ref = await DiscordPort(app.client).post(channel(fake, fake.general), OutboundMessage(text="only once"))
    posts = fake.posts()
    assert [p["content"] for p in posts] == ["only once"] and ref.id == posts[0]["id"]


def _embed_size(embed: dict) -> int:
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += len((embed.get("footer") or {}).get("text", ""))
    return size + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))


async def test_large_messages_are_split_within_discords_limits() -> None:
    message = OutboundMessage(
        text="x" * 4500,
        sections=tuple(Section("word " * 400, title=f"Section {n} " + "t" * 300) for n in range(40)),
        buttons=tuple(Button("L" * 120, "prompt.vote", value=f"1:{n}") for n in range(33)),
        choices=tuple(Choice(f"choice {n}", str(n)) for n in range(30)),
        choice_action="quiz.pick",
        footer="f" * 3000,
    )
    pages = render(message)
    seen_buttons, seen_choices, text = 0, 0, ""
    for page in pages:
        args = page.kwargs()
        content = args["content"] or ""
        assert len(content) <= 2000
        embeds = [e.to_dict() for e in args["embeds"]]
        assert len(embeds) <= 10 and sum(_embed_size(e) for e in embeds) <= 6000
        for embed in embeds:
            assert len(embed.get("fields", [])) <= 25
            assert all(len(f["name"]) <= 256 and len(f["value"]) <= 1024 for f in embed.get("fields", []))
            assert len(embed.get("description", "")) <= 4096
        view = args.get("view")
        rows = view.to_components() if view is not None else []
        assert len(rows) <= 5
        for row in rows:
            items = row["components"]
            assert len(items) <= 5
            for item in items:
                assert len(item["custom_id"]) <= 100
                if item["type"] == 2:
                    seen_buttons += 1
                    assert len(item["label"]) <= 80
                else:
                    assert len(item["options"]) <= 25
                    seen_choices += len(item["options"])
        if page is pages[0] or content.startswith("x"):
            text += content
    assert text == "x" * 4500  # the whole text, in order
    assert seen_buttons == 33 and seen_choices == 30  # nothing dropped


async def test_a_button_value_too_long_for_a_custom_id_is_refused() -> None:
    with pytest.raises(ValueError, match="100-character"):
        render(OutboundMessage(text="t", buttons=(Button("b", "quiz.answer", value="v" * 100),)))


async def test_a_thread_already_open_on_the_post_is_the_same_thread(app: Running) -> None:
    fake = app.fake
    port = DiscordPort(app.client)
    post = await port.post(channel(fake, fake.general), OutboundMessage(text="scenario"))
    first = await port.open_thread(post, "Scenario")
    again = await port.open_thread(post, "Scenario")  # Discord answers 160004 this time
    assert first == again and first.thread_id == post.id
    assert list(fake.threads()) == [post.id]
    reply = await port.reply_in_thread(post, OutboundMessage(text="digest"))
    assert reply.thread_id == post.id and [p["content"] for p in fake.thread_posts(post.id)] == ["digest"]


async def test_a_reply_opens_the_thread_when_none_is_open_yet(app: Running) -> None:
    fake = app.fake
    port = DiscordPort(app.client)
    post = await port.post(channel(fake, fake.general), OutboundMessage(text="scenario"))
    reply = await port.reply_in_thread(post, OutboundMessage(text="digest"))
    assert post.id in fake.threads() and reply.thread_id == post.id
    assert [p["content"] for p in fake.thread_posts(post.id)] == ["digest"]
