"""The one port the core talks through: a chat platform seen from the inside."""

from __future__ import annotations

from typing import Protocol

from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.render import OutboundMessage


class ChatPort(Protocol):
    """What the core needs from a platform. Adapters implement it; tests use the console.

    Every call either delivers the message or raises: a rate limit is waited out
    inside the adapter, never surfaced as a lost post.
    """

    async def post(self, channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        """Post a top-level message in ``channel`` for everyone to see."""
        ...

    async def reply_in_thread(self, parent: MessageRef, message: OutboundMessage) -> MessageRef:
        """Post in the thread of ``parent`` (opening it where the platform needs that)."""
        ...

    async def whisper(self, channel: ChannelRef, member: MemberRef, message: OutboundMessage) -> None:
        """Show ``message`` to ``member`` only (ephemeral message, modal or direct message)."""
        ...

    async def edit(self, ref: MessageRef, message: OutboundMessage) -> None:
        """Replace the content of a message the bot sent."""
        ...

    async def open_thread(self, parent: MessageRef, name: str) -> MessageRef:
        """Make sure ``parent`` has a thread and return a reference to it."""
        ...


class RecallingPort(Protocol):
    """A port that can find a message it posted earlier by its ``OutboundMessage.key``."""

    async def find_posted(self, channel: ChannelRef, key: str) -> MessageRef | None:
        """The message posted with ``key`` in ``channel``, if the platform still shows it."""
        ...


async def find_posted(port: ChatPort, channel: ChannelRef, key: str) -> MessageRef | None:
    """Ask ``port`` for an earlier copy of a keyed post, when the platform can tell."""
    recall = getattr(port, "find_posted", None)
    if recall is None:
        return None
    found: MessageRef | None = await recall(channel, key)
    return found
