"""Slack as the host runs it: bolt on the host's HTTP listener, or over Socket Mode.

``prepbot serve slack [--socket]``: HTTP mode takes ``POST /slack/events``
(:mod:`adapters.slack.http`) beside the host's ``/healthz`` and ``/metrics``;
Socket Mode takes the same requests over Slack's WebSocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence

from aiohttp import web
from slack_sdk.errors import SlackApiError

from adapters.slack.app import SlackApp
from adapters.slack.http import events_route
from adapters.slack.identity import TOKEN_ERRORS, TokenRejected
from adapters.slack.installed import installed_app, reinstalled
from adapters.slack.port import SlackPort, make_client
from adapters.slack.webclient import PacedWebClient
from bot.connector import Misconfigured
from bot.router import Prepbot
from bot.settings import Settings

log = logging.getLogger(__name__)
TOKEN_HELP = {
    "SLACK_BOT_TOKEN": "copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions, "
    "or reinstall the app if it was revoked.",
    "SLACK_APP_TOKEN": "make an app-level token (xapp-…) with connections:write under Basic Information.",
}
# How long a stop waits for work members are waiting on (SIGTERM gives 30 s before SIGKILL).
DRAIN_SECONDS = 25.0


def missing_settings(settings: Settings, *, socket: bool) -> list[str]:
    """The Slack variables this mode needs but the environment lacks."""
    needed: dict[str, str | None] = {}
    if settings.slack_oauth:  # OAuth installs: both halves of the pair, no single token
        needed |= {
            "SLACK_CLIENT_ID": settings.slack_client_id,
            "SLACK_CLIENT_SECRET": settings.slack_client_secret,
        }
    else:
        needed["SLACK_BOT_TOKEN"] = settings.slack_bot_token
    if socket:
        needed["SLACK_APP_TOKEN"] = settings.slack_app_token
    else:
        needed["SLACK_SIGNING_SECRET"] = settings.slack_signing_secret
    return [name for name, value in needed.items() if not (value or "").strip()]


class SlackConnector:
    """The :class:`bot.connector.Connector` for Slack."""

    name = "slack"

    def __init__(self, settings: Settings, *, socket: bool = False) -> None:
        self.settings = settings
        self.socket = socket
        self.app: SlackApp | None = None
        self._handler: object | None = None  # the Socket Mode handler, once connected
        self._stopped = False

    @property
    def port(self) -> SlackPort:
        assert self.app is not None, "start() first"
        return self.app.port

    async def start(self, core: Prepbot) -> None:
        settings = self.settings
        if settings.slack_oauth:
            self.app = installed_app(settings, core)
        else:
            client = make_client(settings.slack_bot_token, settings.slack_api_url, metrics=core.metrics)
            self.app = SlackApp(core, client)
            try:
                await self.app.check_token()  # a refused token stops here (TokenRejected), before serving
            except BaseException:  # refused, or Slack unreachable: the process stops here
                await client.close()
                raise
            self.app.spawn(reinstalled(core, self.app))  # off the start path: nothing waits on it
        if self.socket:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            handler = AsyncSocketModeHandler(
                self.app.bolt, settings.slack_app_token, web_client=self.app.bolt.client
            )
            try:
                await handler.connect_async()
            except SlackApiError as exc:
                error = str(exc.response.get("error") or "")
                if error in TOKEN_ERRORS:
                    raise TokenRejected("SLACK_APP_TOKEN", error) from None
                raise
            self._handler = handler
        log.info("prepbot on Slack (%s mode)", "socket" if self.socket else "HTTP")

    async def serve(self) -> None:
        await asyncio.Event().wait()  # requests arrive on the listener or the socket until stopped

    async def ready(self) -> None:
        return None  # the Web API client posts as soon as the token is checked

    async def stop(self) -> None:
        if self._stopped or self.app is None:
            return
        self._stopped = True
        if self._handler is not None:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            assert isinstance(self._handler, AsyncSocketModeHandler)
            await self._handler.close_async()
        # Finish in-flight work (SIGTERM: stop taking new work, finish, close).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.app.idle(), timeout=DRAIN_SECONDS)
        if isinstance(self.app.client, PacedWebClient):
            await self.app.client.close()

    def routes(self) -> Sequence[web.RouteDef]:
        assert self.app is not None, "start() first"
        slack = None if self.socket else self.app
        secret = None if self.socket else self.settings.slack_signing_secret
        oauth = self.app.oauth.routes() if self.app.oauth is not None else []
        return [events_route(slack, secret, self.app.bot.metrics), *oauth]

    def health(self) -> Mapping[str, str]:
        return {}

    def failure(self, exc: Exception) -> tuple[int, str] | None:
        if isinstance(exc, TokenRejected):
            return 2, f"prepbot: Slack refused {exc.variable} ({exc.error}): {TOKEN_HELP[exc.variable]}"
        if isinstance(exc, OSError):
            return 1, f"prepbot: cannot start on Slack: {exc}"
        return 1, f"prepbot: cannot start on Slack: {type(exc).__name__}: {exc}"


def connector(settings: Settings, *, socket: bool = False) -> SlackConnector:
    """The Slack connector for ``prepbot serve slack``; :class:`Misconfigured` names what is missing."""
    if settings.slack_oauth and settings.slack_bot_token:
        raise Misconfigured(
            "prepbot: set either SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET (OAuth installs, many workspaces), not both."
        )
    if bool(settings.slack_client_id) != bool(settings.slack_client_secret):
        have, lack = (
            ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
            if settings.slack_client_id
            else ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")
        )
        raise Misconfigured(
            f"prepbot: {have} is set without {lack}: set both for OAuth installs, "
            "or neither and SLACK_BOT_TOKEN for one workspace."
        )
    missing = missing_settings(settings, socket=socket)
    if missing:
        mode = "Socket Mode" if socket else "HTTP mode"
        raise Misconfigured(f"prepbot: cannot start on Slack ({mode}): set {', '.join(missing)}.")
    return SlackConnector(settings, socket=socket)
