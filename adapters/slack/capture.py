"""CapturePort: a ChatPort that keeps what the core says instead of sending it (the App Home tab)."""

from __future__ import annotations

from dataclasses import replace

from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.render import OutboundMessage


class CapturePort:
    """ChatPort that sends nothing and keeps every message in :attr:`messages`.

    The App Home tab is not a channel: the core answers ``stats`` (or ``help``)
    as usual into this port, and the adapter publishes it with ``views.publish``.
    """

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

    async def direct(self, member: MemberRef, message: OutboundMessage) -> MessageRef:
        return self._keep(ChannelRef(member.space, member.id), message)

    async def send_file(
        self, member: MemberRef, filename: str, content: bytes, summary: OutboundMessage
    ) -> None:
        self._keep(ChannelRef(member.space, member.id), summary)

    async def post_file(
        self, channel: ChannelRef, filename: str, content: bytes, message: OutboundMessage
    ) -> MessageRef:
        return self._keep(channel, message)

    async def ensure_in_channel(self, channel: ChannelRef) -> None:
        return None
