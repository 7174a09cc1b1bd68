"""Which Discord answers mean "this will keep failing", and the permissions a channel must grant the bot.

Discord answers a refused request with an HTTP status and a JSON error code.
The codes below name a state a person must change (open their DMs, give the
bot a role, restore a channel); retrying cannot fix them, so the port raises
:class:`bot.ports.Undeliverable`. 429s and 5xx answers never reach these
tables: the port retries them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import discord

from bot.domain import ChannelRef
from bot.ports import Undeliverable, UndeliverableReason

MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
UNKNOWN_CHANNEL = 10003
CANNOT_DM = 50007  # "Cannot send messages to this user": DMs closed, the bot blocked, no shared server
UNKNOWN_USER = 10013

CHANNEL_ERRORS: dict[int, UndeliverableReason] = {
    MISSING_ACCESS: "no_access",
    MISSING_PERMISSIONS: "no_access",
    UNKNOWN_CHANNEL: "channel_not_found",
}

MEMBER_ERRORS: dict[int, UndeliverableReason] = {
    CANNOT_DM: "dm_closed",
    UNKNOWN_USER: "member_gone",
    UNKNOWN_CHANNEL: "dm_closed",
    MISSING_ACCESS: "dm_closed",
}

# What the bot needs in a channel where it runs prompts: post, open a thread on the post, answer in it.
NEEDED = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
}


@contextmanager
def translated(table: dict[int, UndeliverableReason], target: str) -> Iterator[None]:
    """Re-raise a Discord error whose code is in ``table`` as :class:`Undeliverable`."""
    try:
        yield
    except discord.HTTPException as exc:
        reason = table.get(exc.code)
        if reason is None:
            raise
        raise Undeliverable(reason, target=target, detail=f"{exc.code} {exc.text}".strip()) from exc


def missing_permissions(client: discord.Client, channel: ChannelRef) -> list[str]:
    """The permissions :data:`NEEDED` the bot lacks in ``channel``, from the gateway's cache.

    Empty when the cache cannot tell (a guild or channel not cached yet): the
    post itself then answers 50001/50013, which the port translates too.
    """
    if not (channel.space.id.isdigit() and channel.id.isdigit()):
        return []
    guild = client.get_guild(int(channel.space.id))
    if guild is None or guild.me is None:
        return []
    where = guild.get_channel_or_thread(int(channel.id))
    if where is None:
        return []
    if isinstance(where, discord.Thread):
        parent = where.parent
        if parent is None:
            return []
        where = parent
    granted = where.permissions_for(guild.me)
    return [label for name, label in NEEDED.items() if not getattr(granted, name)]
