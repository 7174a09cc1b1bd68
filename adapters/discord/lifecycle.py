"""The client's life around the gateway: the optional Message Content intent, one ``/prep`` per server.

**Message Content** is a privileged intent: Discord grants it freely below 100
servers and only on approval above, and refuses a connection that asks for it
without the portal switch (gateway close code 4014, ``PrivilegedIntentsRequired``).
``PREPBOT_DISCORD_MESSAGE_CONTENT`` chooses: ``auto`` asks, and on refusal logs one
line (:data:`WITHOUT_MESSAGE_CONTENT`) and connects again without it; ``on`` lets
the refusal end ``start`` (``serve`` exits 2); ``off`` never asks. Without the
intent members answer prompts with the **Answer** button (a modal) and challenges
with buttons; a round that takes a typed answer gets its own Answer button.

**One ``/prep`` per server**: ``serve`` registers ``/prep`` globally, and Discord shows
a guild's own copy beside the global one, so once the global copy is in place the
client removes guild copies (left by ``prepbot discord sync --guild ID``) in up to
``sync.GUILD_CHECKS`` guilds after READY, the application owner's and the smallest
first; a member using a copy anywhere (an interaction whose ``data`` carries
``guild_id``, which Discord sets only for guild commands) gets that guild's copy
removed on the spot, which also covers servers beyond the bound.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

import discord
from discord import app_commands

from adapters.discord import sync

log = logging.getLogger(__name__)

MessageContent = Literal["auto", "on", "off"]
# What the lost intent costs and how to get it back; logged once (auto) or printed before exit (on).
INTENT_HELP = (
    "thread replies and typed challenge answers arrive empty, so members answer prompts with the "
    "Answer button and challenges with buttons; to read replies, switch on Bot > Privileged Gateway "
    "Intents > Message Content Intent at https://discord.com/developers/applications and restart"
)
WITHOUT_MESSAGE_CONTENT = (
    "Discord refused the Message Content intent (close code 4014); connecting without it: "
    f"{INTENT_HELP} (PREPBOT_DISCORD_MESSAGE_CONTENT=off stops asking)."
)


def intents(message_content: bool = True) -> discord.Intents:
    """Guilds and guild messages, plus Message Content when wanted (thread answers need it)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = message_content
    return wanted


class Lifecycle(discord.Client):
    """Connection and registration behaviour shared by the plain and the sharded client."""

    tree: app_commands.CommandTree[Any]

    def __init__(self, *, message_content: MessageContent = "auto", **options: Any) -> None:
        options.setdefault("intents", intents(message_content != "off"))
        super().__init__(**options)
        self.message_content: MessageContent = message_content
        self.registered_globally = False  # the global /prep is in place: guild copies may go
        self._copy_failures: set[int] = set()  # guilds where removing a copy failed: not again
        self.copies_cleanup: asyncio.Task[None] | None = None  # the check after READY, once

    # --- Message Content ---------------------------------------------------
    async def start(self, token: str, *, reconnect: bool = True) -> None:
        """Log in and connect; in ``auto`` mode, refused Message Content means once more without it."""
        await self.login(token)
        await self.connect_gateway(token, reconnect=reconnect)

    async def connect_gateway(self, token: str, *, reconnect: bool = True) -> None:
        """Connect after :meth:`login` (``serve`` logs in first, to check the token before serving)."""
        while True:
            try:
                await self.connect(reconnect=reconnect)
                return
            except discord.PrivilegedIntentsRequired:
                if self.message_content != "auto" or not self.intents.message_content:
                    raise
            log.warning(WITHOUT_MESSAGE_CONTENT)
            self._connection._intents.message_content = False
            await self._reopen(token)

    async def _reopen(self, token: str) -> None:
        """Make a client that closed itself on the refusal usable again (the sharded one does)."""
        if not self.is_closed():
            return  # one connection: discord.py raised without closing; connect again as is
        self.clear()  # keeps the ready event that the scheduler waits on
        self.http.connector = discord.utils.MISSING  # closed with the old session; login makes one
        if self.loop is discord.utils.MISSING:
            self.loop = asyncio.get_running_loop()
        await self.login(token)  # a new HTTP session; setup_hook adds the dynamic items again

    # --- one /prep per server ------------------------------------------------
    async def on_ready(self) -> None:
        # READY comes again after a reconnect; the guilds are checked once per process.
        if self.registered_globally and self.copies_cleanup is None:
            self.copies_cleanup = asyncio.create_task(self._remove_guild_copies())

    async def _remove_guild_copies(self) -> None:
        owners: set[int] = set()
        application = self.application
        if application is not None:
            owners.add(application.owner.id)
            if application.team is not None:
                owners.update(m.id for m in application.team.members)
        removed = await sync.remove_guild_copies(self.tree, self.guilds, owners=owners)
        log.info("guild copies of /prep removed on %d guild(s)", len(removed))

    async def remove_guild_copy(self, guild_id: int) -> None:
        """A member used a guild's own copy of ``/prep`` (proof that one exists now): remove it."""
        if not self.registered_globally or guild_id in self._copy_failures:
            return
        try:
            await sync.remove_guild_copy(self.tree, guild_id)
        except discord.HTTPException as exc:
            self._copy_failures.add(guild_id)
            log.warning("could not remove the guild copy of /prep on guild %s (%s)", guild_id, exc.status)

    async def close(self) -> None:
        if self.copies_cleanup is not None and not self.copies_cleanup.done():
            self.copies_cleanup.cancel()
        await super().close()


class ShardedLifecycle(Lifecycle, discord.AutoShardedClient):
    """The sharded client closes itself on a refusal; reopening needs a fresh event queue."""

    async def _reopen(self, token: str) -> None:
        # discord.py queued a "closed" event while closing; a fresh queue keeps that stale
        # event from ending the next connect at once.
        self._AutoShardedClient__queue = asyncio.PriorityQueue()  # type: ignore[var-annotated]
        await super()._reopen(token)
