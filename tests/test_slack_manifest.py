"""The Slack app manifest asks for what the adapter uses, and points Slack at /slack/events."""

from __future__ import annotations

from pathlib import Path

import yaml

from adapters.slack.port import SlackPort, make_client
from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.render import OutboundMessage
from tests.support.fake_slack import FakeSlack

MANIFEST = Path(__file__).resolve().parents[1] / "deploy" / "slack-manifest.yaml"


def test_manifest_declares_the_command_events_scopes_and_urls() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/prep"
    settings = manifest["settings"]
    urls = [
        command["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert all(url.startswith("https://") and url.endswith("/slack/events") for url in urls)
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "app_mention",
        "message.channels",
        "message.groups",
    }
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is False
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "channels:history", "groups:history", "users:read"} <= scopes
    assert {"app_mentions:read", "im:write"} <= scopes
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert len(manifest["display_information"]["description"]) <= 140
    assert 175 <= len(manifest["display_information"]["long_description"]) <= 4000


async def test_a_whisper_nobody_can_see_in_the_channel_becomes_a_direct_message() -> None:
    async with FakeSlack(ephemeral_fails_in={"C0LEFT"}) as slack:
        port = SlackPort(make_client("xoxb-test", slack.api_url))
        space = SpaceRef("slack", "T0PREP")
        await port.whisper(
            ChannelRef(space, "C0LEFT"), MemberRef(space, "U0BOB"), OutboundMessage(text="Your pair")
        )
        [dm] = slack.sent("chat.postMessage")
        assert dm["channel"] == "D0BOB" and dm["text"] == "Your pair"
