"""Command registration: write only on a real difference, and never two ``/prep`` on one server.

Discord caps command *creates* at 200 a day per application, and every bulk
overwrite of changed commands counts; a bot that re-registers on each start
can lock itself out while crash-looping. So ``serve`` fetches what Discord holds,
compares a canonical form (Discord adds ids and versions, and omits fields that
are empty or at their default), and writes only on a real difference.

Discord shows a guild's own copy of a command *beside* the global one, so a
development copy left by ``prepbot discord sync --guild ID`` doubles ``/prep`` on
that server once ``serve`` registers globally. The rule: ``serve`` owns the global
``/prep`` and removes guild copies of it (:func:`remove_guild_copies`);
``discord sync --clear --guild ID`` removes them by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger(__name__)

# Fields Discord adds or that only describe the stored copy, not the command.
IGNORED = {"id", "application_id", "version", "guild_id", "dm_permission"}
# Values that mean "left at the default"; Discord drops them or fills them in.
DEFAULTS: dict[str, Any] = {"type": 1, "integration_types": [0], "nsfw": False, "required": False}
COMMAND = "prep"
# Guilds whose own command lists ``serve`` checks at start. Each check is one GET, and
# a bot in thousands of servers would spend its REST budget for minutes on every
# restart; guild copies come only from ``discord sync --guild`` on an operator's
# development servers, which are checked first (see ``check_order``).
GUILD_CHECKS = 100


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


def check_order(guilds: Iterable[discord.Guild], owners: Collection[int]) -> list[discord.Guild]:
    """Guilds most likely to hold a development copy first: the app owner's, then the smallest."""
    return sorted(guilds, key=lambda g: (g.owner_id not in owners, g.member_count or 0, g.id))


async def remove_guild_copy(tree: app_commands.CommandTree[Any], guild_id: int) -> bool:
    """Delete ``/prep`` from one guild's own commands; True when there was one.

    A single DELETE per copy: deletes do not count against Discord's daily cap on
    creates, and other guild commands of the application stay as they are.
    """
    client = tree.client
    assert client.application_id is not None
    held = await client.http.get_guild_commands(client.application_id, guild_id)
    copies = [c for c in held if c["name"] == COMMAND]
    for copy in copies:
        await client.http.delete_guild_command(client.application_id, guild_id, copy["id"])
    if copies:
        log.info("removed the guild copy of /%s on guild %s; the global command serves it", COMMAND, guild_id)
    return bool(copies)


async def remove_guild_copies(
    tree: app_commands.CommandTree[Any],
    guilds: Iterable[discord.Guild],
    *,
    owners: Collection[int] = (),
    limit: int = GUILD_CHECKS,
) -> list[int]:
    """Remove guild copies of ``/prep`` in up to ``limit`` guilds (owners' and small ones first).

    Called by ``serve`` once the global ``/prep`` is in place. One guild's failure
    (a 403 after the bot lost access, say) is logged and the others are still checked.
    """
    removed: list[int] = []
    for guild in check_order(guilds, owners)[:limit]:
        try:
            if await remove_guild_copy(tree, guild.id):
                removed.append(guild.id)
        except discord.HTTPException as exc:
            log.warning("could not check guild %s for a copy of /%s (%s)", guild.id, COMMAND, exc.status)
    return removed
