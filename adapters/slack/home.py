"""A ChatPort that keeps what the core says, for the App Home tab.

The Home tab is not a channel: the core answers ``stats`` (or ``help``) as
usual, this port collects the answer, and the adapter publishes it with
``views.publish``.
"""

from __future__ import annotations

from dataclasses import replace

from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.render import OutboundMessage


class CapturePort:
    """ChatPort that sends nothing and remembers every message in :attr:`messages`."""

    def __init__(self) -> None:
        self.messages: list[OutboundMessage] = []

    def _keep(self, channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        self.messages.append(message)
        return MessageRef(channel=channel, id=f"home-{len(self.messages)}")

    async def post(self, channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        return self._keep(channel, message)

    async def reply_in_thread(self, parent: MessageRef, message: OutboundMessage) -> MessageRef:
        return replace(self._keep(parent.channel, message), thread_id=parent.thread_root)

    async def whisper(self, channel: ChannelRef, member: MemberRef, message: OutboundMessage) -> None:
        self._keep(channel, message)

    async def edit(self, ref: MessageRef, message: OutboundMessage) -> None:
        self._keep(ref.channel, message)

    async def open_thread(self, parent: MessageRef, name: str) -> MessageRef:
        return replace(parent, thread_id=parent.thread_root)
