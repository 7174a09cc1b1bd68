"""Command registration that writes only when Discord's copy differs from the bot's tree.

Discord caps command *creates* at 200 a day per application, and every bulk
overwrite of changed commands counts; a bot that re-registers on each start
can lock itself out while crash-looping. So ``serve`` fetches what Discord holds,
compares a canonical form (Discord adds ids and versions, and omits fields that
are empty or at their default), and writes only on a real difference.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger(__name__)

# Fields Discord adds or that only describe the stored copy, not the command.
IGNORED = {"id", "application_id", "version", "guild_id", "dm_permission"}
# Values that mean "left at the default"; Discord drops them or fills them in.
DEFAULTS: dict[str, Any] = {"type": 1, "integration_types": [0], "nsfw": False, "required": False}


def canonical(node: Any) -> Any:
    """A comparable form of a command payload: defaults and empties removed, option order kept."""
    if isinstance(node, list):
        return [canonical(item) for item in node]
    if not isinstance(node, dict):
        return node
    kept = {}
    for key, value in node.items():
        if key in IGNORED or key.endswith(("_localizations", "_localized")):
            continue
        if value in (None, False, [], {}, "") or DEFAULTS.get(key, object()) == value:
            continue
        kept[key] = canonical(value)
    return kept


def local_payload(
    tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None
) -> list[dict[str, Any]]:
    return [command.to_dict(tree) for command in tree.get_commands(guild=guild)]


def differs(remote: list[dict[str, Any]], local: list[dict[str, Any]]) -> bool:
    """True when the commands Discord holds are not the bot's (order of commands ignored)."""

    def by_name(commands: list[dict[str, Any]]) -> dict[str, Any]:
        return {c["name"]: canonical(c) for c in commands}

    return by_name(remote) != by_name(local)


async def fetch_remote(
    tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None
) -> list[dict[str, Any]]:
    client = tree.client
    assert client.application_id is not None
    if guild is None:
        data = await client.http.get_global_commands(client.application_id)
    else:
        data = await client.http.get_guild_commands(client.application_id, guild.id)
    return list(data)  # type: ignore[arg-type]


async def sync_if_changed(
    tree: app_commands.CommandTree[Any], *, guild: discord.abc.Snowflake | None
) -> bool:
    """Register the tree's commands when Discord's differ; returns whether it wrote."""
    remote = await fetch_remote(tree, guild)
    if not differs(remote, local_payload(tree, guild)):
        log.info("/prep is already registered as this version defines it; not writing")
        return False
    synced = await tree.sync(guild=guild)
    where = "globally" if guild is None else f"on guild {guild.id}"
    log.info("registered %d command(s) %s", len(synced), where)
    return True
