"""The one port the core talks through: a chat platform seen from the inside."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.render import OutboundMessage

UndeliverableReason = Literal[
    "dm_closed",  # the member does not accept direct messages from the bot (Discord 50007)
    "not_in_channel",  # the bot must be invited to the channel (Slack private channel, not_in_channel)
    "channel_not_found",  # the channel is gone, or the bot cannot see it at all
    "archived",  # the channel is archived
    "no_access",  # the bot lacks the permission to post there (Discord 50001/50013)
    "member_gone",  # the member left the space or the account is deactivated
]


class Undeliverable(Exception):
    """A send that will keep failing until a person changes something on the platform.

    Adapters raise it instead of their SDK's error for failures that retrying
    cannot fix (never for a rate limit or an outage, which they wait out). The
    core catches it to pause a schedule, name an unreachable member, or tell the
    member what to do; ``reason`` says which, ``target`` is the channel or member id.
    """

    def __init__(self, reason: UndeliverableReason, *, target: str = "", detail: str = "") -> None:
        super().__init__(f"{reason}: {target}" + (f" ({detail})" if detail else ""))
        self.reason: UndeliverableReason = reason
        self.target = target
        self.detail = detail


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

    async def direct(self, member: MemberRef, message: OutboundMessage) -> MessageRef:
        """A direct message that stays (Slack: conversations.open + chat.postMessage; Discord: a DM).

        For anything sent on the bot's own initiative to one member. Raises
        :class:`Undeliverable` (``dm_closed``, ``member_gone``) when it cannot arrive.
        """
        ...

    async def send_file(
        self, member: MemberRef, filename: str, content: bytes, summary: OutboundMessage
    ) -> None:
        """Deliver a file privately to ``member`` (in their DM) with ``summary`` as its message."""
        ...

    async def post_file(
        self, channel: ChannelRef, filename: str, content: bytes, message: OutboundMessage
    ) -> MessageRef:
        """Post a file for everyone in ``channel`` with ``message`` beside it (Slack: files_upload_v2
        into the channel; Discord: an attachment; console: a file path). Raises like :meth:`post`."""
        ...

    async def ensure_in_channel(self, channel: ChannelRef) -> None:
        """Make sure the bot can read and post in ``channel``: join it where the platform allows.

        Raises :class:`Undeliverable` (``not_in_channel``: it must be invited;
        ``channel_not_found``, ``archived``, ``no_access``) when it cannot.
        """
        ...


class ReactingPort(Protocol):
    """A port that can put a reaction on a member's message (quiet feedback nobody is notified of)."""

    async def react(self, message: MessageRef, emoji: str) -> None:
        """Add the bot's ``emoji`` (a name such as ``x``) to ``message``."""
        ...


class MembershipPort(Protocol):
    """A port that can say which channels a member may read (Slack membership, Discord permissions)."""

    async def channels_of(self, member: MemberRef, among: Sequence[ChannelRef]) -> set[str] | None:
        """The ids of ``among`` that ``member`` can read, or None when the platform cannot say."""
        ...


async def channels_of(port: ChatPort, member: MemberRef, among: Sequence[ChannelRef]) -> set[str] | None:
    """Ask ``port`` which of ``among`` the member may read; None when it cannot tell."""
    ask = getattr(port, "channels_of", None)
    if ask is None or not among:
        return None if ask is None else set()
    found: set[str] | None = await ask(member, among)
    return found


async def find_posted(port: ChatPort, channel: ChannelRef, key: str) -> MessageRef | None:
    """Ask ``port`` for an earlier copy of a keyed post, when the platform can tell."""
    recall = getattr(port, "find_posted", None)
    if recall is None:
        return None
    found: MessageRef | None = await recall(channel, key)
    return found


async def react(port: ChatPort, message: MessageRef, emoji: str) -> bool:
    """React to ``message`` when the port can; False when it cannot (then say it privately)."""
    add = getattr(port, "react", None)
    if add is None:
        return False
    await add(message, emoji)
    return True
