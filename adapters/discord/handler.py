"""The Handler: one Discord event or interaction in, one core event out, with the right port.

Every interaction is acknowledged first (deferred, so the 3-second limit never
bites) and then handed to the core with its interaction id as ``delivery_id``; a
re-delivered interaction fails its acknowledgement (Discord answers 40060) and the
core drops it by that same id. Thread replies, edits and deletions become
``MessagePosted``/``MessageEdited``/``MessageDeleted``, with the message's own id,
so a duplicated gateway event records nothing twice.

Apart from ``adapters/discord/client.py`` (the gateway client's lifecycle) because
this is the translation of each event, which does not depend on how the client
connects, shards or registers ``/prep``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import discord

from adapters.discord import translate
from adapters.discord.components import (
    ANSWER_ACTION,
    TYPED_ACTION,
    answer_modal,
    form_modal,
    typed_answer_modal,
)
from adapters.discord.interaction import InteractionPort
from adapters.discord.places import Places
from adapters.discord.port import DiscordPort
from adapters.discord.unsaved import tell_unsaved
from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    TextSubmitted,
)
from bot.logs import log_context
from bot.router import NotHandled, Prepbot

log = logging.getLogger(__name__)

MODAL_THANKS = "Thanks, your answer is in. The ballot shows it without your name."
MODAL_FAILED = "prepbot could not record your answer just now. Press Answer and send it again."
TYPED_THANKS = (
    "Answer sent. A correct one is announced in the channel; if nothing appears, "
    "it did not match: try again while the round is open."
)
GUILD_ONLY = "prepbot works in server channels; run `/prep` there."
# Placeholders for asking translate whether a payload is a member's message at all, before
# the lookups (a thread's parent, the author's roles) that the real event needs.
NOWHERE = ChannelRef(translate.space(0), "")
NOBODY = MemberRef(NOWHERE.space, "", "")


class Handler:
    """Translates one Discord event into a core event and runs it with the right port."""

    def __init__(self, client: discord.Client, bot: Prepbot) -> None:
        self.client = client
        self.bot = bot
        self.port = DiscordPort(client)
        self.places = Places(client)
        # Called with a guild id when a member used that guild's own copy of /prep.
        self.on_guild_copy: Callable[[int], Awaitable[None]] | None = None
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    # --- bookkeeping -------------------------------------------------------
    @asynccontextmanager
    async def busy(self) -> AsyncIterator[None]:
        """Counts handlers at work, so shutdown (and tests) can wait for them to finish."""
        self._inflight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._inflight -= 1
            if self._inflight == 0:
                self._idle.set()

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for handlers in progress (the work a member is waiting on) before closing."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    async def _ack(self, step: Awaitable[Any], interaction: discord.Interaction[Any]) -> bool:
        metrics = self.bot.metrics
        try:
            await step
        except discord.HTTPException as exc:
            # 40060: a duplicated INTERACTION_CREATE; the core drops it by its id.
            where = {"space": interaction.guild_id, "channel": interaction.channel_id}
            with log_context(**where, delivery=interaction.id):
                log.info("interaction %s not acknowledged (%s %s)", interaction.id, exc.status, exc.code)
            metrics.inc("prepbot_errors_total", kind="platform")
            return False
        # Discord's 3-second clock starts when it sends the interaction (its snowflake time).
        metrics.observe(
            "prepbot_ack_seconds", max(0.0, (discord.utils.utcnow() - interaction.created_at).total_seconds())
        )
        return True

    # --- interactions ------------------------------------------------------
    async def on_command(
        self, interaction: discord.Interaction[Any], name: str, args: tuple[str, ...]
    ) -> None:
        if interaction.guild_id is None:
            await interaction.response.send_message(GUILD_ONLY, ephemeral=True)
            return
        async with self.busy():
            # Ephemeral "thinking…": public results are channel posts, private ones replace it.
            acked = await self._ack(interaction.response.defer(ephemeral=True, thinking=True), interaction)
            channel, thread_id = await self.places.where_interaction(interaction)
            port = InteractionPort(self.port, interaction, placeholder=acked)
            member = self.places.member_of(interaction)
            await self.bot.handle(
                CommandInvoked(str(interaction.id), channel, member, name, args, thread_id), port
            )
            await port.finish()
            data: dict[str, Any] = dict(interaction.data or {})
            invoked_in = data.get("guild_id")  # set only when a guild's own copy was used
            if invoked_in and self.on_guild_copy is not None:
                await self.on_guild_copy(int(invoked_in))

    async def on_button(self, interaction: discord.Interaction[Any], action: str, value: str) -> None:
        if interaction.guild_id is None:  # a button on a DM whisper: no server to act in
            await self._ack(interaction.response.send_message(GUILD_ONLY, ephemeral=True), interaction)
            return
        if action == ANSWER_ACTION and interaction.message is not None:
            # A modal must be the first answer to the click, so it cannot be deferred.
            modal = answer_modal(str(interaction.message.id))
            await self._ack(interaction.response.send_modal(modal), interaction)
            return
        if action == TYPED_ACTION:
            # A challenge round that takes typed answers, answered where typing does not reach us.
            await self._ack(interaction.response.send_modal(typed_answer_modal()), interaction)
            return
        form = self.bot.text_input(action)
        form_view = form_modal(form, action, value) if form is not None else None
        if form_view is not None:  # a core form (Report's note): the modal is the click's answer
            await self._ack(interaction.response.send_modal(form_view), interaction)
            return
        async with self.busy():
            await self._ack(interaction.response.defer(), interaction)  # type 6: leave the message as it is
            channel, thread_id = await self.places.where_interaction(interaction)
            clicked = interaction.message
            ref = MessageRef(channel, str(clicked.id), thread_id) if clicked is not None else None
            port = InteractionPort(self.port, interaction, placeholder=False)
            member = self.places.member_of(interaction)
            await self.bot.handle(
                ButtonPressed(str(interaction.id), channel, member, action, value, ref), port
            )

    async def on_modal(self, interaction: discord.Interaction[Any]) -> None:
        """A submitted modal, read by :func:`translate.modal_submit` from the raw interaction."""
        submit = translate.modal_submit(dict(interaction.data or {}))
        if submit is None or interaction.guild_id is None:
            return
        if submit.kind == "form":
            await self.on_form(interaction, submit.action, submit.value, submit.text)
            return
        async with self.busy():
            acked = await self._ack(interaction.response.defer(ephemeral=True, thinking=True), interaction)
            channel, _ = await self.places.where_interaction(interaction)
            port = InteractionPort(self.port, interaction, placeholder=acked)
            stored = True
            if submit.text:
                # An answer: a reply in its thread; a typed challenge answer: as if typed in the
                # channel. Both are keyed on the interaction id.
                thread = submit.thread if submit.kind == "answer" else None
                ref = MessageRef(channel, f"modal-{interaction.id}", thread)
                posted = MessagePosted(ref, self.places.member_of(interaction), submit.text)
                stored = await self._message(posted, port)
            if submit.kind == "typed":
                await port.finish(done=TYPED_THANKS if submit.text else None)
            else:
                await port.finish(done=(MODAL_THANKS if stored else MODAL_FAILED) if submit.text else None)

    async def on_form(
        self, interaction: discord.Interaction[Any], action: str, value: str, text: str
    ) -> None:
        """A core form submitted: ``TextSubmitted`` keyed on the interaction id; answers are private."""
        async with self.busy():
            acked = await self._ack(interaction.response.defer(ephemeral=True, thinking=True), interaction)
            channel, thread_id = await self.places.where_interaction(interaction)
            clicked = interaction.message
            ref = MessageRef(channel, str(clicked.id), thread_id) if clicked is not None else None
            port = InteractionPort(self.port, interaction, placeholder=acked)
            event = TextSubmitted(
                str(interaction.id), channel, self.places.member_of(interaction), action, value, text, ref
            )
            await self.bot.handle(event, port)
            await port.finish()

    # --- gateway messages --------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        payload = {  # the MESSAGE_CREATE fields translate reads (discord.py keeps no raw payload)
            "id": message.id,
            "type": message.type.value,
            "content": message.content,
            "author": {"bot": message.author.bot},
            "webhook_id": message.webhook_id,
            "guild_id": message.guild.id if message.guild else None,
        }
        if message.guild is None or translate.message_posted(payload, NOWHERE, NOBODY) is None:
            return  # bots, system messages; or no Message Content intent (see deploy/discord-setup.md)
        async with self.busy():
            guild_id = message.guild.id
            channel, thread_id = await self.places.where(message.channel, message.channel.id, guild_id)
            event = translate.message_posted(
                payload, channel, self.places.author(guild_id, message.author), thread_id
            )
            if event is not None and not await self._message(event, self.port):
                await tell_unsaved(self.client, message, event)  # the gateway never sends it again

    async def on_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        data = dict(payload.data)
        intent = self.client.intents.message_content
        if payload.guild_id is None or not translate.message_edited(
            data, NOWHERE, NOBODY, message_content=intent
        ):
            return
        async with self.busy():
            channel, thread_id = await self.places.where(
                payload.message.channel, payload.channel_id, payload.guild_id
            )
            member = self.places.author(payload.guild_id, payload.message.author)
            event = translate.message_edited(data, channel, member, thread_id, message_content=intent)
            if event is not None and not await self._message(event, self.port):
                await tell_unsaved(self.client, payload.message, event)

    async def on_delete(self, guild_id: int | None, channel_id: int, message_ids: list[int]) -> None:
        if guild_id is None:
            return
        async with self.busy():
            channel, thread_id = await self.places.where(None, channel_id, guild_id)
            deleted = {"ids": message_ids, "channel_id": channel_id, "guild_id": guild_id}
            for event in translate.messages_deleted(deleted, channel, thread_id):
                await self._message(event, self.port)

    async def _message(self, event: MessagePosted | MessageEdited | MessageDeleted, port: Any) -> bool:
        """Hand a member's message to the core; False when it could not be stored (already logged).

        The gateway never re-sends an event: the caller tells the author (``tell_unsaved``)."""
        try:
            await self.bot.handle(event, port)
        except NotHandled:
            return False
        return True
