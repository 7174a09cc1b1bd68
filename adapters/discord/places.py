"""Where a Discord event happened and who did it, as the core sees them.

The core's channel is a thread's parent (the thread is the message's ``thread_id``);
a member is an admin with Manage Server on the guild, from their roles (and
ownership), never a channel's permission overwrites. Only these lookups need the
client's cache (or, for a thread the cache lacks, one REST call); the rest of the
translation is pure (:mod:`adapters.discord.translate`).
"""

from __future__ import annotations

from typing import Any

import discord

from adapters.discord import translate
from bot.domain import ChannelRef, MemberRef, SpaceRef


class Places:
    """Channel and member refs for one client; remembers which channel ids are threads."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self._parents: dict[int, int | None] = {}  # channel id → its parent when it is a thread

    def _space(self, guild_id: int) -> SpaceRef:
        guild = self.client.get_guild(guild_id)
        return translate.space(guild_id, guild.name if guild else "")

    async def _parent_of(self, channel: Any, channel_id: int) -> int | None:
        if isinstance(channel, discord.Thread):
            return channel.parent_id
        if isinstance(channel, discord.abc.GuildChannel):
            return None
        if channel_id not in self._parents:
            found = self.client.get_channel(channel_id)
            if found is None:
                try:
                    found = await self.client.fetch_channel(channel_id)
                except discord.HTTPException:
                    return None  # a deleted thread: treat its id as a channel
            self._parents[channel_id] = found.parent_id if isinstance(found, discord.Thread) else None
        return self._parents[channel_id]

    async def where(self, channel: Any, channel_id: int, guild_id: int) -> tuple[ChannelRef, str | None]:
        """The channel as the core sees it (a thread's parent) and the thread's id, if any."""
        parent = await self._parent_of(channel, channel_id)
        top = parent or channel_id
        cached = self.client.get_channel(top)
        name = getattr(cached, "name", "") or ""
        return ChannelRef(self._space(guild_id), str(top), name), (str(channel_id) if parent else None)

    async def where_interaction(self, interaction: discord.Interaction[Any]) -> tuple[ChannelRef, str | None]:
        assert interaction.guild_id is not None
        return await self.where(interaction.channel, interaction.channel_id or 0, interaction.guild_id)

    def _member(self, guild_id: int, user: discord.abc.User, is_admin: bool) -> MemberRef:
        return MemberRef(self._space(guild_id), str(user.id), user.display_name, is_admin)

    def member_of(self, interaction: discord.Interaction[Any]) -> MemberRef:
        """Admins are members with Manage Server on the guild: their roles (and ownership), never
        a channel's permission overwrites, which ``interaction.permissions`` includes."""
        assert interaction.guild_id is not None
        user = interaction.user
        admin = isinstance(user, discord.Member) and user.guild_permissions.manage_guild
        return self._member(interaction.guild_id, user, admin)

    def author(self, guild_id: int, author: discord.abc.User) -> MemberRef:
        admin = isinstance(author, discord.Member) and author.guild_permissions.manage_guild
        return self._member(guild_id, author, admin)
