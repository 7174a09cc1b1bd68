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
        "app_uninstalled",  # the workspace removed prepbot: tokens deleted, schedules stop
        "message.channels",
        "message.groups",
        "tokens_revoked",
    }
    # OAuth installs: Slack sends the admin back to /slack/oauth_redirect.
    assert [u.endswith("/slack/oauth_redirect") for u in manifest["oauth_config"]["redirect_urls"]] == [True]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is False
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {
        "app_mentions:read",  # @prepbot answers with help
        "channels:history",  # answers in prompt threads (message.channels)
        "channels:join",  # conversations.join: a public channel an organizer schedules in
        "channels:read",  # conversations.info on public channels
        "chat:write",
        "commands",
        "files:write",  # files_upload_v2: /prep export as a Markdown file
        "groups:history",  # message.groups
        "groups:read",  # conversations.info on private channels
        "im:write",  # conversations.open: personal messages as DMs
        "users:read",
    }
    assert "chat:write.public" not in scopes  # posting where prepbot cannot read answers is refused
    home = manifest["features"]["app_home"]
    assert home["home_tab_enabled"] is True
    # DMs reach members, and they can answer there: Slack otherwise answers messages_tab_disabled.
    assert home["messages_tab_enabled"] is True and home["messages_tab_read_only_enabled"] is False
    assert len(manifest["display_information"]["description"]) <= 140
    assert 175 <= len(manifest["display_information"]["long_description"]) <= 4000


async def test_an_app_installed_from_the_manifest_can_do_what_the_port_does() -> None:
    """The fake grants exactly the manifest's scopes: every call below would fail without one."""
    async with FakeSlack() as slack:
        assert slack.scopes == set(yaml.safe_load(MANIFEST.read_text())["oauth_config"]["scopes"]["bot"])
        slack.add_channel("C0PUBLIC", member=False)
        slack.add_channel("G0PRIVATE", private=True, member=True)
        port = SlackPort(make_client("xoxb-test", slack.api_url))
        space = SpaceRef("slack", "T0PREP")
        await port.ensure_in_channel(ChannelRef(space, "C0PUBLIC"))  # channels:read + channels:join
        await port.ensure_in_channel(ChannelRef(space, "G0PRIVATE"))  # groups:read
        await port.direct(MemberRef(space, "U0BOB"), OutboundMessage(text="Your pair"))  # im:write
        await port.send_file(MemberRef(space, "U0BOB"), "prep.md", b"# Prep", OutboundMessage(text="Export"))
        assert not [c for c in slack.calls if c.result.get("error") == "missing_scope"]
        assert slack.sent("conversations.join") and slack.sent("files.completeUploadExternal")
