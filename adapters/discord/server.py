"""``prepbot serve discord`` and ``prepbot discord sync``: endpoints, startup, shutdown, scheduling.

discord.py 2.7 has no public setting for its REST base or gateway, so the URLs
from ``DISCORD_API_URL``/``DISCORD_GATEWAY_URL`` are set on the two class
attributes it reads (``Route.BASE`` for every REST call, interaction callbacks
and webhook follow-ups included; ``DiscordWebSocket.DEFAULT_GATEWAY`` for the
socket) before any client exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands

import scheduler.runner
from adapters.discord.client import PrepClient, ShardedPrepClient
from adapters.discord.commands import build_group
from adapters.discord.health import health_app
from adapters.discord.lifecycle import INTENT_HELP
from adapters.discord.port import DiscordPort
from adapters.discord.sync import fetch_remote
from adapters.web import listening
from bot.logs import configure
from bot.router import Prepbot
from bot.runtime import load_content, running_core
from bot.settings import Settings

log = logging.getLogger(__name__)

NO_TOKEN = (
    "error: DISCORD_BOT_TOKEN is not set. Create a bot in the Discord Developer Portal, "
    "copy its token and export DISCORD_BOT_TOKEN (see deploy/discord-setup.md)."
)
BAD_TOKEN = (
    "error: Discord rejected DISCORD_BOT_TOKEN ({why}). Copy the bot token from the Developer Portal "
    "(Bot → Reset Token) into DISCORD_BOT_TOKEN."
)
# Exit 2, like a missing token: a configuration to fix, not an outage to retry.
NO_INTENT = (
    "error: Discord refused the Message Content intent (close code 4014) and "
    f"PREPBOT_DISCORD_MESSAGE_CONTENT=on requires it. Without it {INTENT_HELP}; "
    "or set PREPBOT_DISCORD_MESSAGE_CONTENT=auto to run without it (see deploy/discord-setup.md)."
)
CLEAR_NEEDS_GUILD = (
    "error: --clear removes a server's own copy of /prep and needs --guild ID; "
    "the global /prep is the one members use (prepbot serve discord keeps it)."
)


def _fail(message: str) -> None:
    print(message, file=sys.stderr)


def apply_endpoints(settings: Settings) -> None:
    """Point discord.py at ``DISCORD_API_URL`` and ``DISCORD_GATEWAY_URL`` (a proxy, or a fake in tests)."""
    discord.http.Route.BASE = settings.discord_api_url.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def build_client(bot: Prepbot, settings: Settings, *, sync_on_start: bool = True) -> PrepClient:
    """One gateway connection, or discord.py's automatic sharding when ``PREPBOT_DISCORD_SHARDED``."""
    cls = ShardedPrepClient if settings.discord_sharded else PrepClient
    # prepbot never joins voice: discord.py's start-up warnings about voice libraries are noise.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    return cls(bot, sync_on_start=sync_on_start, message_content=settings.discord_message_content)


async def run_scheduler(bot: Prepbot, client: discord.Client) -> None:
    """Daily prompts, catch-up after a restart and the core's ticks, once the client can post."""
    await client.wait_until_ready()
    port = DiscordPort(client)
    handle = await scheduler.runner.start(bot, port)
    try:
        await asyncio.Event().wait()  # until cancelled by shutdown
    finally:
        await handle.stop()


async def serve(settings: Settings, *, migrate: bool = True) -> int:
    """Run the bot until SIGINT/SIGTERM; returns the process exit code."""
    token = settings.discord_bot_token
    if not token:
        _fail(NO_TOKEN)
        return 2
    configure(json_lines=settings.log_json, level=settings.log_level)
    apply_endpoints(settings)
    try:
        async with running_core(settings, migrate=migrate) as bot:
            client = build_client(bot, settings, sync_on_start=True)
            async with client:
                # The token is checked first (REST login): a refused one stops here, before serving.
                await client.login(token)
                async with listening(health_app(bot, client), settings.host, settings.port) as port:
                    log.info("health and metrics on %s:%s", settings.host, port)
                    loop = asyncio.get_running_loop()
                    for signum in (signal.SIGINT, signal.SIGTERM):
                        with contextlib.suppress(NotImplementedError, RuntimeError):
                            loop.add_signal_handler(signum, lambda: asyncio.ensure_future(client.close()))
                    ticks = asyncio.create_task(run_scheduler(bot, client))
                    try:
                        await client.connect_gateway(token)
                    finally:
                        ticks.cancel()
                        with contextlib.suppress(asyncio.CancelledError, Exception):
                            await ticks
    except discord.LoginFailure:
        _fail(BAD_TOKEN.format(why="401 on login"))
        return 2
    except discord.PrivilegedIntentsRequired:
        _fail(NO_INTENT)
        return 2
    except discord.ConnectionClosed as exc:
        if exc.code == 4004:  # the gateway's "Authentication failed"
            _fail(BAD_TOKEN.format(why="gateway close code 4004"))
            return 2
        _fail(f"error: could not talk to Discord at {settings.discord_api_url}: {exc}")
        return 1
    except (
        discord.GatewayNotFound,
        discord.HTTPException,
        aiohttp.ClientError,
    ) as exc:  # noqa: E501
        _fail(f"error: could not talk to Discord at {settings.discord_api_url}: {exc}")
        return 1
    except OSError as exc:
        _fail(f"error: could not reach Discord at {settings.discord_api_url}: {exc}")
        return 1
    return 0


async def _never(interaction: discord.Interaction[Any], name: str, args: tuple[str, ...]) -> None:
    """``discord sync`` only registers; it never runs a command."""


async def sync_commands(settings: Settings, *, guild_id: str | None = None, clear: bool = False) -> int:
    """Register ``/prep`` now: globally, or on one guild (instant, for development).

    With ``clear``, remove the guild's own copy instead (``--clear --guild ID``).
    ``discord sync`` always writes; ``serve`` compares first (see ``adapters.discord.sync``).
    """
    token = settings.discord_bot_token
    if not token:
        _fail(NO_TOKEN)
        return 2
    if guild_id is not None and not guild_id.isdigit():
        _fail(f"error: --guild takes a server id (digits), not {guild_id!r}")
        return 2
    if clear and guild_id is None:
        _fail(CLEAR_NEEDS_GUILD)
        return 2
    apply_endpoints(settings)
    client = discord.Client(intents=discord.Intents.none())
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    tree.add_command(build_group(_never, load_content(settings)))
    guild = discord.Object(int(guild_id)) if guild_id else None
    try:
        async with client:
            await client.login(token)
            if guild is not None and clear:
                held = await fetch_remote(tree, guild)
                tree.clear_commands(guild=guild)
                await tree.sync(guild=guild)  # an empty list: Discord drops the guild's copies
                print(f"removed {len(held)} command(s) from guild {guild_id}; the global /prep stays")
                return 0
            if guild is not None:
                tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
            doubled = guild is not None and any(c["name"] == "prep" for c in await fetch_remote(tree, None))
    except discord.LoginFailure:
        _fail(BAD_TOKEN.format(why="401 on login"))
        return 2
    except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
        _fail(f"error: Discord refused the commands: {exc}")
        return 1
    where = "globally" if guild is None else f"on guild {guild_id}"
    names = ", ".join(sorted(c.name for c in synced))
    print(f"registered /{names} {where}")
    if doubled:
        print(
            f"note: /prep is also registered globally, so guild {guild_id} shows it twice until "
            f"`prepbot discord sync --clear --guild {guild_id}` (or the next `prepbot serve discord`) "
            "removes this copy"
        )
    return 0
