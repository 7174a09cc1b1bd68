"""Building the Slack app for each mode: OAuth installs (many workspaces) or one bot token.

Imported by the connector; the OAuth pieces (slack_sdk's SQLAlchemy stores, bolt's
flow) are loaded only when ``SLACK_CLIENT_ID``/``SLACK_CLIENT_SECRET`` are set, so a
one-workspace process never loads them.
"""

from __future__ import annotations

import logging

from adapters.slack.app import SlackApp
from adapters.slack.webclient import make_client
from bot.domain import SpaceRef
from bot.events import AppInstalled
from bot.router import Prepbot
from bot.settings import Settings

log = logging.getLogger(__name__)


def installed_app(settings: Settings, core: Prepbot) -> SlackApp:
    """The app for OAuth installs: every Web API call uses its own workspace's token."""
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.slack.oauth import SlackOAuth

    base_url = (
        settings.slack_api_url if settings.slack_api_url.endswith("/") else settings.slack_api_url + "/"
    )
    oauth = SlackOAuth(settings, core, AsyncWebClient(base_url=base_url, timeout=30))
    client = make_client(None, settings.slack_api_url, metrics=core.metrics, tokens=oauth.keyring.token)
    return SlackApp(core, client, oauth)


async def reinstalled(core: Prepbot, app: SlackApp) -> None:
    """One-token mode: the token's workspace is installed (a token Slack accepts means it is).

    A workspace that removed the app and was given a new token gets its schedules back.
    """
    team = (await app.identity()).get("team_id")
    if team:
        await core.space_changed(AppInstalled(SpaceRef("slack", str(team))))
