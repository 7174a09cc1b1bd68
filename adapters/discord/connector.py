"""Discord as the host runs it: one gateway connection (or discord.py's shards).

The token is checked first with a REST login, so a refused one stops the process
before anything listens; the gateway then runs until the host stops it or Discord
closes it for good (a refused intent, a revoked token), which is explained in one line.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import aiohttp
import discord
from aiohttp import web

from adapters.discord.client import PrepClient, ShardedPrepClient
from adapters.discord.port import DiscordPort
from adapters.discord.server import BAD_TOKEN, NO_INTENT, NO_TOKEN, apply_endpoints
from bot.connector import Misconfigured
from bot.router import Prepbot
from bot.settings import Settings

log = logging.getLogger(__name__)


def build_client(bot: Prepbot, settings: Settings, *, sync_on_start: bool = True) -> PrepClient:
    """One gateway connection, or discord.py's automatic sharding when ``PREPBOT_DISCORD_SHARDED``."""
    cls = ShardedPrepClient if settings.discord_sharded else PrepClient
    # prepbot never joins voice: discord.py's start-up warnings about voice libraries are noise.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    return cls(bot, sync_on_start=sync_on_start, message_content=settings.discord_message_content)


class DiscordConnector:
    """The :class:`bot.connector.Connector` for Discord."""

    name = "discord"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.token = settings.discord_bot_token or ""
        self.client: PrepClient | None = None
        self._port: DiscordPort | None = None
        self._stopped = False

    @property
    def port(self) -> DiscordPort:
        assert self._port is not None, "start() first"
        return self._port

    async def start(self, core: Prepbot) -> None:
        apply_endpoints(self.settings)
        client = build_client(core, self.settings, sync_on_start=True)
        self.client = client
        self._port = DiscordPort(client)
        await client.__aenter__()
        await client.login(self.token)  # a refused token stops here, before serving

    async def serve(self) -> None:
        assert self.client is not None
        await self.client.connect_gateway(self.token)

    async def ready(self) -> None:
        assert self.client is not None
        await self.client.wait_until_ready()

    async def stop(self) -> None:
        if self._stopped or self.client is None:
            return
        self._stopped = True
        # close() lets handlers in flight finish first (see PrepClient.close).
        await self.client.__aexit__(None, None, None)

    def routes(self) -> Sequence[web.RouteDef]:
        return []

    def health(self) -> Mapping[str, str]:
        # Reported, not judged: discord.py reconnects by itself and a restart would not help it.
        client = self.client
        if client is None:
            return {"gateway": "closed"}
        return {"gateway": "ready" if client.is_ready() else "closed" if client.is_closed() else "connecting"}

    def failure(self, exc: Exception) -> tuple[int, str] | None:
        api = self.settings.discord_api_url
        if isinstance(exc, discord.LoginFailure):
            return 2, BAD_TOKEN.format(why="401 on login")
        if isinstance(exc, discord.PrivilegedIntentsRequired):
            return 2, NO_INTENT
        if isinstance(exc, discord.ConnectionClosed):
            if exc.code == 4004:  # the gateway's "Authentication failed"
                return 2, BAD_TOKEN.format(why="gateway close code 4004")
            return 1, f"error: could not talk to Discord at {api}: {exc}"
        if isinstance(exc, discord.GatewayNotFound | discord.HTTPException | aiohttp.ClientError):
            return 1, f"error: could not talk to Discord at {api}: {exc}"
        if isinstance(exc, OSError):
            return 1, f"error: could not reach Discord at {api}: {exc}"
        return None


def connector(settings: Settings) -> DiscordConnector:
    """The Discord connector for ``prepbot serve discord``; :class:`Misconfigured` without a token."""
    if not settings.discord_bot_token:
        raise Misconfigured(NO_TOKEN)
    return DiscordConnector(settings)
