"""Discord: direct messages, attachments and channel access, with the codes Discord answers.

The real discord.py client, connected to the fake over the gateway, drives the
real DiscordPort; the fake refuses as Discord does (50007 for closed DMs,
10013 for an unknown user, 50001/50013/10003 for channels).
"""

from __future__ import annotations

from collections.abc import Awaitable

import pytest

from adapters.discord.port import DiscordPort
from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.ports import Undeliverable
from bot.render import OutboundMessage, Section
from tests.support.discord_harness import Running
from tests.support.fake_discord import FakeDiscord

PLAN = OutboundMessage(
    text="Your interview plan for <@everyone> Friday", sections=(Section("Day 1", "Plan"),)
)


def member(fake: FakeDiscord, name: str) -> MemberRef:
    return MemberRef(SpaceRef("discord", fake.guild_id), fake.people[name].id, name)


def channel(fake: FakeDiscord, channel_id: str | None = None) -> ChannelRef:
    return ChannelRef(SpaceRef("discord", fake.guild_id), channel_id or fake.general)


async def refusal(call: Awaitable[object]) -> Undeliverable:
    with pytest.raises(Undeliverable) as raised:
        await call
    return raised.value


def dm_opens(fake: FakeDiscord) -> int:
    return fake.requests.count(("POST", "/api/v10/users/@me/channels"))


# --- direct messages ------------------------------------------------------------
async def test_a_direct_message_opens_the_dm_once_and_never_pings(app: Running) -> None:
    fake, port = app.fake, DiscordPort(app.client)
    ref = await port.direct(member(fake, "alice"), PLAN)
    await port.direct(member(fake, "alice"), OutboundMessage(text="Check-in: how did it go?"))
    assert dm_opens(fake) == 1
    dms = fake.whispers("alice")
    assert [m["content"] for m in dms] == [PLAN.text, "Check-in: how did it go?"]
    assert fake.dm_channels[ref.channel.id] == fake.people["alice"].id and ref.id == dms[0]["id"]
    assert dms[0]["embeds"][0]["fields"][0]["value"] == "Day 1"
    assert all(body["allowed_mentions"] == {"parse": []} for body in fake.bodies)


async def test_a_member_with_closed_dms_is_dm_closed_and_the_next_member_still_gets_theirs(
    app: Running,
) -> None:
    fake, port = app.fake, DiscordPort(app.client)
    fake.close_dms("bob")
    unreachable = []
    for name in ("alice", "bob", "carol"):  # the way the core loops over members
        try:
            await port.direct(member(fake, name), PLAN)
        except Undeliverable as exc:
            unreachable.append((exc.reason, exc.target, exc.detail))
    assert unreachable == [("dm_closed", fake.people["bob"].id, "50007 Cannot send messages to this user")]
    assert len(fake.whispers("alice")) == 1 and len(fake.whispers("carol")) == 1
    assert fake.whispers("bob") == []


async def test_a_user_discord_does_not_know_is_member_gone(app: Running) -> None:
    gone = MemberRef(SpaceRef("discord", app.fake.guild_id), "1234567890123")
    assert (await refusal(DiscordPort(app.client).direct(gone, PLAN))).reason == "member_gone"


async def test_a_whisper_outside_an_interaction_is_the_same_dm(app: Running) -> None:
    fake, port = app.fake, DiscordPort(app.client)
    await port.whisper(channel(fake), member(fake, "alice"), OutboundMessage(text="Your pair is bob"))
    assert [m["content"] for m in fake.whispers("alice")] == ["Your pair is bob"]
    fake.close_dms("carol")
    closed = await refusal(
        port.whisper(channel(fake), member(fake, "carol"), OutboundMessage(text="Your pair"))
    )
    assert closed.reason == "dm_closed"


# --- files ------------------------------------------------------------------------
async def test_a_file_arrives_as_an_attachment_in_the_dm(app: Running) -> None:
    fake, port = app.fake, DiscordPort(app.client)
    content = "# Prép for alice\n\n**Culture**: candour & courage ✅\n".encode()
    summary = OutboundMessage(text="Your prep document: 12 answers, 3 topics")
    await port.send_file(member(fake, "alice"), "prep-alice.md", content, summary)
    [dm] = fake.whispers("alice")
    assert dm["content"] == summary.text
    assert fake.attachments[dm["id"]] == [("prep-alice.md", content)]
    assert [(a["filename"], a["size"]) for a in dm["attachments"]] == [("prep-alice.md", len(content))]
    fake.close_dms("bob")
    closed = await refusal(port.send_file(member(fake, "bob"), "prep-bob.md", b"# Prep", summary))
    assert closed.reason == "dm_closed" and fake.whispers("bob") == []


# --- channels ---------------------------------------------------------------------
async def test_a_channel_the_bot_can_use_passes(app: Running) -> None:
    await DiscordPort(app.client).ensure_in_channel(channel(app.fake))
    assert ("GET", f"/api/v10/channels/{app.fake.general}") in app.fake.requests


@pytest.mark.parametrize(
    ("restriction", "reason", "detail"),
    [
        ({"view": False}, "no_access", "50001 Missing Access"),
        ({"send": False}, "no_access", "missing Send Messages"),
        ({"threads": False}, "no_access", "missing Create Public Threads, Send Messages in Threads"),
    ],
)
async def test_a_channel_the_bot_cannot_use_says_why(
    app: Running, restriction: dict[str, bool], reason: str, detail: str
) -> None:
    fake = app.fake
    await fake.restrict(fake.general, **restriction)
    guild = app.client.get_guild(int(fake.guild_id))
    assert guild is not None
    await fake.until(lambda: guild.get_channel(int(fake.general)).overwrites)  # type: ignore[union-attr]
    refused = await refusal(DiscordPort(app.client).ensure_in_channel(channel(fake)))
    assert (refused.reason, refused.target, refused.detail) == (reason, fake.general, detail)


async def test_a_deleted_channel_is_channel_not_found(app: Running) -> None:
    fake = app.fake
    await fake.delete_channel(fake.general)
    refused = await refusal(DiscordPort(app.client).ensure_in_channel(channel(fake)))
    assert (refused.reason, refused.detail) == ("channel_not_found", "10003 Unknown Channel")


@pytest.mark.parametrize(
    ("action", "reason", "code"),
    [
        ("hide", "no_access", 50001),
        ("mute", "no_access", 50013),
        ("delete", "channel_not_found", 10003),
    ],
)
async def test_posts_replies_and_edits_discord_refuses_for_good_are_undeliverable(
    app: Running, action: str, reason: str, code: int
) -> None:
    fake, port = app.fake, DiscordPort(app.client)
    post = await port.post(channel(fake), OutboundMessage(text="scenario"))
    if action == "hide":
        await fake.restrict(fake.general, view=False)
    elif action == "mute":
        await fake.restrict(fake.general, send=False, threads=False)
    else:
        await fake.delete_channel(fake.general)
    refused = await refusal(port.post(channel(fake), OutboundMessage(text="tomorrow")))
    assert (refused.reason, refused.target) == (reason, fake.general) and refused.detail.startswith(str(code))
    digest = await refusal(port.reply_in_thread(post, OutboundMessage(text="digest")))
    assert digest.reason == reason
    if action != "mute":  # the bot may still edit its own message where it can no longer send
        assert (await refusal(port.edit(post, OutboundMessage(text="edited")))).reason == reason
