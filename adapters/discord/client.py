"""The discord.py client carrying the prepbot core: its gateway lifecycle and the events it hands on.

Each gateway event and interaction goes to :class:`adapters.discord.handler.Handler`,
which turns it into a core event. The Message Content intent is optional and
registration keeps one ``/prep`` per server: see ``adapters.discord.lifecycle``.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from adapters.discord.commands import build_group
from adapters.discord.components import DYNAMIC_ITEMS
from adapters.discord.guard import guard_parsers
from adapters.discord.guilds import GuildMembership
from adapters.discord.handler import Handler
from adapters.discord.lifecycle import Lifecycle, MessageContent, ShardedLifecycle
from adapters.discord.ratelimits import rate_limit_trace
from adapters.discord.tree import PrepTree
from bot.router import Prepbot

log = logging.getLogger(__name__)


class PrepClient(GuildMembership, Lifecycle):
    """A Discord client carrying the prepbot core.

    ``sync_on_start``: register ``/prep`` globally at start when Discord's copy differs,
    then remove guild copies of it. ``message_content``: ``auto``, ``on`` or ``off``
    (``PREPBOT_DISCORD_MESSAGE_CONTENT``). Both are explained in ``adapters.discord.lifecycle``.
    """

    def __init__(
        self,
        bot: Prepbot,
        *,
        sync_on_start: bool = False,
        message_content: MessageContent = "auto",
        **options: Any,
    ) -> None:
        options.setdefault("allowed_mentions", discord.AllowedMentions.none())  # answers never ping
        options.setdefault("chunk_guilds_at_startup", False)
        options.setdefault("http_trace", rate_limit_trace(bot.metrics))  # 429s, as metrics
        super().__init__(message_content=message_content, **options)
        self.metrics = bot.metrics
        guard_parsers(self._connection.parsers)
        self.handler = Handler(self, bot)
        self.sync_on_start = sync_on_start
        self._registration_checked = False
        self.tree: app_commands.CommandTree[Any] = PrepTree(self)
        self.tree.add_command(build_group(self.handler.on_command, bot.library))
        self.handler.on_guild_copy = self.remove_guild_copy

    async def on_ready(self) -> None:
        # Both parents listen for READY; discord.py calls only the one method found first.
        await Lifecycle.on_ready(self)  # the check of /prep's guild copies, once per process
        await self.mark_connected_guilds()

    async def setup_hook(self) -> None:
        # Again after a reconnect without Message Content: ``clear()`` forgets dynamic items.
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        if self.sync_on_start and not self._registration_checked:
            from adapters.discord.sync import sync_if_changed

            self._registration_checked = True
            try:
                await sync_if_changed(self.tree, guild=None)
                self.registered_globally = True
            except discord.HTTPException:
                log.exception("could not register /prep; the commands Discord holds stay as they were")

    async def on_message(self, message: discord.Message) -> None:
        await self.handler.on_message(message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        await self.handler.on_edit(payload)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        await self.handler.on_delete(payload.guild_id, payload.channel_id, [payload.message_id])

    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        await self.handler.on_delete(payload.guild_id, payload.channel_id, sorted(payload.message_ids))

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        # Modal submits are matched here by custom_id, not by a Modal object kept in memory.
        if interaction.type is discord.InteractionType.modal_submit:
            await self.handler.on_modal(interaction)

    async def close(self) -> None:
        try:
            await self.handler.drain(timeout=10.0)
        except TimeoutError:
            log.warning("closing with handlers still running")
        cancel_pending_ready(self)
        await super().close()
        cancel_pending_ready(self)  # a READY that arrived while the gateway was closing


def cancel_pending_ready(client: discord.Client) -> None:
    """Cancel discord.py's READY task if it is still waiting for more guilds (guild_ready_timeout).

    Closed within those seconds of connecting, the client would leave that task to fire
    READY on a closed client, which fails and prints a traceback ("Task exception was
    never retrieved"). ``_ready_task`` is discord.py's own (pinned by the lock file); it
    cancels the same task itself when a new READY arrives.
    """
    state = client._connection
    pending = [getattr(state, "_ready_task", None), *getattr(state, "_ready_tasks", {}).values()]  # shards
    for task in pending:
        if task is not None:
            task.cancel()


class ShardedPrepClient(PrepClient, ShardedLifecycle):
    """The same client over several gateway shards (Discord requires them from 2,500 guilds)."""
