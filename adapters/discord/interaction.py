"""The ChatPort for one interaction: the channel port, plus private replies to the member behind it.

Apart from ``adapters/discord/port.py`` (the process-wide port over REST) because it
lives only as long as one interaction and answers through its token: ephemeral
messages, the deferred "thinking…" placeholder, and the edits only the token allows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord

from adapters.discord.embeds import Page, render
from adapters.discord.port import DiscordPort
from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.render import OutboundMessage

log = logging.getLogger(__name__)


class InteractionPort:
    """The channel port, plus private replies to the member behind one interaction.

    ``whisper`` to that member becomes an ephemeral message: the first one replaces
    the "thinking…" placeholder of a deferred command, later ones are ephemeral
    follow-ups (the interaction token lasts 15 minutes). Whispers to anyone else,
    or after the token failed, fall back to a DM.
    """

    def __init__(
        self, base: DiscordPort, interaction: discord.Interaction[Any], *, placeholder: bool
    ) -> None:
        self.base = base
        self.interaction = interaction
        self.placeholder = placeholder  # a deferred "thinking…" message waits for our first whisper
        self.whispered = False
        self._ephemeral: set[str] = set()

    async def post(self, channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        return await self.base.post(channel, message)

    async def reply_in_thread(self, parent: MessageRef, message: OutboundMessage) -> MessageRef:
        return await self.base.reply_in_thread(parent, message)

    async def open_thread(self, parent: MessageRef, name: str) -> MessageRef:
        return await self.base.open_thread(parent, name)

    async def direct(self, member: MemberRef, message: OutboundMessage) -> MessageRef:
        return await self.base.direct(member, message)

    async def send_file(
        self, member: MemberRef, filename: str, content: bytes, summary: OutboundMessage
    ) -> None:
        await self.base.send_file(member, filename, content, summary)

    async def post_file(
        self, channel: ChannelRef, filename: str, content: bytes, message: OutboundMessage
    ) -> MessageRef:
        return await self.base.post_file(channel, filename, content, message)

    async def ensure_in_channel(self, channel: ChannelRef) -> None:
        await self.base.ensure_in_channel(channel)

    async def channels_of(self, member: MemberRef, among: Sequence[ChannelRef]) -> set[str] | None:
        return await self.base.channels_of(member, among)

    async def whisper(self, channel: ChannelRef, member: MemberRef, message: OutboundMessage) -> None:
        if member.id != str(self.interaction.user.id):
            await self.base.whisper(channel, member, message)
            return
        try:
            for page in render(message):
                await self._ephemeral_page(page)
        except discord.HTTPException:
            log.warning("interaction %s could not answer privately; sending a DM", self.interaction.id)
            await self.base.whisper(channel, member, message)

    async def _ephemeral_page(self, page: Page) -> None:
        sent: discord.Message
        if self.placeholder and not self.whispered:
            self.whispered = True
            sent = await self.interaction.edit_original_response(**page.kwargs())
        else:
            self.whispered = True
            sent = await self.interaction.followup.send(**page.kwargs(), ephemeral=True, wait=True)
        self._ephemeral.add(str(sent.id))

    async def edit(self, ref: MessageRef, message: OutboundMessage) -> None:
        """Ephemeral messages can only be edited through an interaction token; others over REST."""
        page = render(message)[0]
        clicked = self.interaction.message
        if ref.id in self._ephemeral:
            await self.interaction.followup.edit_message(int(ref.id), **page.kwargs())
        elif clicked is not None and str(clicked.id) == ref.id and clicked.flags.ephemeral:
            await self.interaction.edit_original_response(**page.kwargs())
        else:
            await self.base.edit(ref, message)

    async def finish(self, done: str | None = None) -> None:
        """Clear a placeholder nobody answered in: say ``done``, or remove it."""
        if not self.placeholder or self.whispered:
            return
        try:
            if done:
                await self.interaction.edit_original_response(content=done)
            else:
                await self.interaction.delete_original_response()
        except discord.HTTPException:
            log.info("interaction %s placeholder already gone", self.interaction.id)
