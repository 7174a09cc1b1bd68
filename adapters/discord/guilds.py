"""The bot joining and leaving Discord servers: the core hears AppInstalled and AppRemoved.

``GUILD_DELETE`` without ``unavailable`` means the bot was removed from the server
(kicked, banned, or the server deleted): discord.py calls ``on_guild_remove``, and
the server's scheduled work stops at once (its data goes after the retention
window). An outage is ``unavailable: true`` and is not a removal. Joining a server
(``on_guild_join``: a ``GUILD_CREATE`` for a new server, not the ones replayed at
connect) marks it installed again, so a server that adds the bot back gets its
schedules back; so does connecting (``on_ready``), for a server that added it back
while prepbot was down (the client's ``on_ready`` calls
:meth:`GuildMembership.mark_connected_guilds`). A bot token is the whole app's, so there
is no token to delete.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from adapters.discord.translate import space
from bot.events import AppInstalled, AppRemoved

if TYPE_CHECKING:
    from adapters.discord.handler import Handler

log = logging.getLogger(__name__)


class GuildMembership:
    """Mixed into the client: server joins and removals, handed to the core.

    The changes are written one at a time, and the connect-time marking re-checks
    that a server is still there under the same lock: a removal that arrives while
    READY's servers are being marked is then never overwritten by that marking.
    """

    handler: Handler

    guilds: Sequence[discord.Guild]

    if TYPE_CHECKING:  # discord.Client's, declared for the type checker only (never shadowed)

        def get_guild(self, id: int, /) -> discord.Guild | None: ...

    _membership: asyncio.Lock | None = None

    def _changes(self) -> asyncio.Lock:
        if self._membership is None:
            self._membership = asyncio.Lock()
        return self._membership

    async def mark_connected_guilds(self) -> None:
        """Connected: every server in READY is installed (one may have added the bot back while down)."""
        for guild in list(self.guilds):  # marking an installed server again changes nothing
            async with self._changes():
                if self.get_guild(guild.id) is None:  # removed since READY
                    continue
                try:
                    await self.handler.bot.space_changed(AppInstalled(space(guild.id, guild.name or "")))
                except Exception:  # one server's failure must not leave the others unmarked
                    log.exception("could not mark server %s installed at connect", guild.id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        async with self._changes():
            await self.handler.bot.space_changed(AppInstalled(space(guild.id, guild.name or "")))

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        async with self._changes():
            await self.handler.bot.space_changed(AppRemoved(space(guild.id, guild.name or "")))
