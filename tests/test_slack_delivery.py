"""Slack: direct messages, private files and channel membership, as Slack answers them.

The real SlackPort talks to the fake Slack, which holds the scopes of the
shipped manifest and answers each failure with Slack's own error code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.slack.port import SlackPort, make_client
from bot.domain import ChannelRef, MemberRef, MessageRef, SpaceRef
from bot.ports import Undeliverable
from bot.render import OutboundMessage, Section
from tests.support.fake_slack import FakeSlack, text_of
from tests.support.slack_wire import TEAM

SPACE = SpaceRef("slack", TEAM)
PLAN = OutboundMessage(text="Your interview plan for Friday", sections=(Section("Day 1: culture", "Plan"),))


def member(user_id: str) -> MemberRef:
    return MemberRef(SPACE, user_id)


def channel(channel_id: str) -> ChannelRef:
    return ChannelRef(SPACE, channel_id)


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U0ALICE", "alice")
        fake.add_user("U0BOB", "bob")
        yield fake


@pytest.fixture
def port(slack: FakeSlack) -> SlackPort:
    return SlackPort(make_client("xoxb-test", slack.api_url))


async def reason_of(call: object) -> str:
    with pytest.raises(Undeliverable) as raised:
        await call  # type: ignore[misc]
    return raised.value.reason


# --- direct messages ------------------------------------------------------------
async def test_a_direct_message_opens_the_dm_once_and_posts_there(slack: FakeSlack, port: SlackPort) -> None:
    ref = await port.direct(member("U0ALICE"), PLAN)
    again = await port.for_request(port.invocation).direct(
        member("U0ALICE"), OutboundMessage(text="Check-in")
    )
    dm = slack.dm_of("U0ALICE")
    assert dm is not None and ref.channel.id == dm == again.channel.id
    assert len(slack.sent("conversations.open", users="U0ALICE")) == 1  # cached across request copies
    posts = slack.sent("chat.postMessage", channel=dm)
    assert [p["text"].splitlines()[0] for p in posts] == ["Your interview plan for Friday", "Check-in"]
    assert ref.id == posts[0].ts and "Day 1: culture" in text_of(posts[0])


@pytest.mark.parametrize(
    ("setup", "reason", "error"),
    [
        (lambda s: s.add_user("U0GONE", "gone", deleted=True), "member_gone", "user_disabled"),
        (lambda s: s.remove_user("U0GONE"), "member_gone", "user_not_found"),
        (lambda s: s.add_user("U0GONE", "helper", is_bot=True), "dm_closed", "cannot_dm_bot"),
        (lambda s: setattr(s, "messages_tab_enabled", False), "dm_closed", "messages_tab_disabled"),
    ],
)
async def test_a_member_who_cannot_get_a_dm_is_undeliverable_and_the_next_one_still_is_reached(
    slack: FakeSlack, port: SlackPort, setup: object, reason: str, error: str
) -> None:
    setup(slack)  # type: ignore[operator]
    with pytest.raises(Undeliverable) as raised:
        await port.direct(member("U0GONE"), PLAN)
    assert (raised.value.reason, raised.value.target, raised.value.detail) == (reason, "U0GONE", error)
    assert [
        c.result["error"] for c in slack.refused("conversations.open") + slack.refused("chat.postMessage")
    ] == [error]
    if slack.messages_tab_enabled:
        await port.direct(member("U0BOB"), PLAN)  # one member's failure is theirs alone
        assert slack.sent("chat.postMessage", channel=slack.dm_of("U0BOB"))


async def test_a_dm_slack_no_longer_knows_is_opened_again(slack: FakeSlack, port: SlackPort) -> None:
    await port.direct(member("U0ALICE"), PLAN)
    slack.dms.clear()  # Slack forgot the conversation: the cached id now answers channel_not_found
    ref = await port.direct(member("U0ALICE"), OutboundMessage(text="Check-in"))
    assert len(slack.sent("conversations.open", users="U0ALICE")) == 2
    assert [c.result["error"] for c in slack.refused("chat.postMessage")] == ["channel_not_found"]
    assert slack.sent("chat.postMessage", text="Check-in") and ref.channel.id == slack.dm_of("U0ALICE")


async def test_direct_messages_wait_out_rate_limits() -> None:
    async with FakeSlack(posts_per_second=1, retry_after=1) as slack:
        port = SlackPort(make_client("xoxb-test", slack.api_url))
        for user in ("U0A", "U0B", "U0C"):
            await port.direct(member(user), OutboundMessage(text=f"plan for {user}"))
        assert any(c.status == 429 for c in slack.calls)
        assert sorted(c["text"] for c in slack.sent("chat.postMessage")) == [
            "plan for U0A",
            "plan for U0B",
            "plan for U0C",
        ]


async def test_a_whisper_slack_cannot_show_falls_back_to_the_dm(slack: FakeSlack, port: SlackPort) -> None:
    slack.add_channel("C0QUIET", member=False)
    await port.whisper(channel("C0QUIET"), member("U0BOB"), OutboundMessage(text="Your pair"))
    [refused] = slack.refused("chat.postEphemeral")
    assert refused.result["error"] == "not_in_channel"
    [dm] = slack.sent("chat.postMessage")
    assert dm["channel"] == slack.dm_of("U0BOB") and dm["text"] == "Your pair"


# --- files ------------------------------------------------------------------------
async def test_a_file_arrives_in_the_dm_through_the_upload_flow(slack: FakeSlack, port: SlackPort) -> None:
    content = "# Prép for alice\n\n**Culture**: candour & courage ✅\n".encode()
    summary = OutboundMessage(text="Your prep document", sections=(Section("12 answers, 3 topics"),))
    await port.send_file(member("U0ALICE"), "prep-alice.md", content, summary)
    [asked] = slack.sent("files.getUploadURLExternal")
    assert asked["filename"] == "prep-alice.md" and int(asked["length"]) == len(content)
    [upload] = slack.files.values()
    assert upload.content == content and upload.filename == "prep-alice.md"
    assert upload.channel == slack.dm_of("U0ALICE") and upload.title == "prep-alice.md"
    assert "Your prep document" in upload.initial_comment and "12 answers" in upload.initial_comment
    assert slack.sent("chat.postMessage") == []  # the summary is the file's comment, not a second message


async def test_a_file_for_a_member_who_cannot_get_dms_is_undeliverable(
    slack: FakeSlack, port: SlackPort
) -> None:
    slack.messages_tab_enabled = False
    summary = OutboundMessage(text="Your prep document")
    assert await reason_of(port.send_file(member("U0ALICE"), "prep.md", b"# Prep", summary)) == "dm_closed"
    assert all(f.channel is None for f in slack.files.values())
    slack.add_user("U0GONE", "gone", deleted=True)
    assert await reason_of(port.send_file(member("U0GONE"), "prep.md", b"# Prep", summary)) == "member_gone"


# --- channel membership -------------------------------------------------------------
async def test_a_public_channel_the_bot_is_not_in_is_joined(slack: FakeSlack, port: SlackPort) -> None:
    slack.add_channel("C0PUBLIC", member=False)
    assert await reason_of(port.post(channel("C0PUBLIC"), PLAN)) == "not_in_channel"
    await port.ensure_in_channel(channel("C0PUBLIC"))
    assert slack.sent("conversations.join", channel="C0PUBLIC") and slack.channels["C0PUBLIC"].member
    await port.post(channel("C0PUBLIC"), PLAN)
    calls = len(slack.calls)
    await port.ensure_in_channel(channel("C0PUBLIC"))  # trusted for a while: no second lookup
    assert len(slack.calls) == calls


async def test_a_channel_the_bot_is_in_is_not_joined_again(slack: FakeSlack, port: SlackPort) -> None:
    slack.add_channel("C0TEAM", member=True)
    await port.ensure_in_channel(channel("C0TEAM"))
    assert slack.sent("conversations.info", channel="C0TEAM") and not slack.sent("conversations.join")


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ({"private": True, "member": False}, "not_in_channel"),
        ({"deleted": True}, "not_in_channel"),  # Slack says channel_not_found, as for a hidden private one
        ({"archived": True, "member": False}, "archived"),
        ({"archived": True}, "archived"),
    ],
)
async def test_a_channel_the_bot_cannot_join_says_why(
    slack: FakeSlack, port: SlackPort, state: dict[str, bool], reason: str
) -> None:
    slack.add_channel("C0SHUT", **state)
    assert await reason_of(port.ensure_in_channel(channel("C0SHUT"))) == reason
    assert slack.sent("conversations.join") == []


async def test_an_install_without_channels_join_is_told_to_invite() -> None:
    async with FakeSlack() as slack:
        slack.scopes.discard("channels:join")
        slack.add_channel("C0PUBLIC", member=False)
        port = SlackPort(make_client("xoxb-test", slack.api_url))
        with pytest.raises(Undeliverable) as raised:
            await port.ensure_in_channel(channel("C0PUBLIC"))
        assert raised.value.reason == "not_in_channel" and raised.value.detail == "missing_scope"


@pytest.mark.parametrize(
    ("state", "error", "reason"),
    [
        ({"private": True, "member": False}, "channel_not_found", "channel_not_found"),
        ({"member": False}, "not_in_channel", "not_in_channel"),
        ({"archived": True}, "is_archived", "archived"),
        ({"deleted": True}, "channel_not_found", "channel_not_found"),
    ],
)
async def test_posts_replies_and_edits_that_slack_refuses_for_good_are_undeliverable(
    slack: FakeSlack, port: SlackPort, state: dict[str, bool], error: str, reason: str
) -> None:
    slack.add_channel("C0DOOR")
    post = await port.post(channel("C0DOOR"), PLAN)
    for key, value in state.items():
        setattr(slack.channels["C0DOOR"], key, value)
    with pytest.raises(Undeliverable) as raised:
        await port.post(channel("C0DOOR"), PLAN)
    assert (raised.value.reason, raised.value.target, raised.value.detail) == (reason, "C0DOOR", error)
    assert await reason_of(port.reply_in_thread(post, OutboundMessage(text="digest"))) == reason
    thread_reply = MessageRef(post.channel, post.id, thread_id=post.id)
    assert await reason_of(port.reply_in_thread(thread_reply, OutboundMessage(text="again"))) == reason
    if error != "not_in_channel":  # Slack still lets the bot update its own message in a public channel
        assert await reason_of(port.edit(post, OutboundMessage(text="edited"))) == reason
