"""``prepbot discord sync``, and the settings every Discord process applies first.

discord.py 2.7 has no public setting for its REST base or gateway, so the URLs
from ``DISCORD_API_URL``/``DISCORD_GATEWAY_URL`` are set on the two class
attributes it reads (``Route.BASE`` for every REST call, interaction callbacks
and webhook follow-ups included; ``DiscordWebSocket.DEFAULT_GATEWAY`` for the
socket) before any client exists.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands

from adapters.discord.commands import build_group
from adapters.discord.lifecycle import INTENT_HELP
from adapters.discord.sync import fetch_remote
from bot.runtime import load_content
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
