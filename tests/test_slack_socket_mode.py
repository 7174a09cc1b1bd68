"""``serve slack --socket``: the same listeners over Slack's Socket Mode WebSocket."""

from __future__ import annotations

import asyncio

from adapters.slack.connector import SlackConnector
from bot.features import build_bot
from bot.services.context import ServiceContext
from bot.settings import Settings
from host.process import run
from tests.support.fake_slack import FakeSlack, fixture


async def test_socket_mode_acks_envelopes_and_answers_commands_and_events(ctx: ServiceContext) -> None:
    async with FakeSlack() as slack:
        slack.add_user("U0ALICE", "alice")
        settings = Settings.model_validate(
            {
                "SLACK_BOT_TOKEN": "xoxb-socket",
                "SLACK_APP_TOKEN": "xapp-socket",
                "SLACK_API_URL": slack.api_url,
                "PREPBOT_HOST": "127.0.0.1",
                "PREPBOT_PORT": 0,
            }
        )
        stop = asyncio.Event()
        connector = SlackConnector(settings, socket=True)
        running = asyncio.create_task(run(build_bot(ctx), connector, settings, stop))
        try:
            await slack.wait_for(lambda: slack.socket is not None)
            command = fixture("slash_command", text="help", response_url=slack.response_url())
            first = await slack.send_envelope("slash_commands", command)
            await slack.wait_for(lambda: any(a.get("envelope_id") == first for a in slack.socket_acks))
            [whisper] = await slack.wait_for(lambda: slack.sent("chat.postEphemeral"))
            assert "prepbot helps your team" in whisper["text"]

            mention = fixture("event_callback", event=fixture("app_mention"), event_id="EvSOCKET1")
            second = await slack.send_envelope("events_api", mention)
            await slack.send_envelope("events_api", mention, retry=1)
            await slack.wait_for(lambda: any(a.get("envelope_id") == second for a in slack.socket_acks))
            await slack.wait_for(lambda: len(slack.sent("chat.postEphemeral")) == 2)
            await asyncio.sleep(0.3)
            assert len(slack.sent("chat.postEphemeral")) == 2
        finally:
            stop.set()
            await asyncio.wait_for(running, timeout=30)
