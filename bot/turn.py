"""One member action being handled, and the shapes of the handlers features declare.

Services import this module, never the router: the router sits above the features
it dispatches to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.events import Event
from bot.ports import ChatPort
from bot.render import OutboundMessage
from bot.services.context import ServiceContext


@dataclass
class Turn:
    """One member action being handled: who, where, and how to answer them.

    The router hands a claimed turn: ``ctx.db``'s first ``unit()`` also records the
    delivery's claim (one transaction for claim and work), and ``port`` takes the
    claim before anything is sent (``bot.claims``).
    """

    ctx: ServiceContext
    port: ChatPort
    channel: ChannelRef
    member: MemberRef
    delivery_id: str
    thread_id: str | None = None
    # What the adapter knows of members named in the command (``<@ID>`` arguments).
    mentions: tuple[MemberRef, ...] = ()

    def mentioned(self, member_id: str) -> MemberRef:
        """The member named ``<@member_id>``: the adapter's ref when it sent one, else a bare ref."""
        for ref in self.mentions:
            if ref.id == member_id:
                return ref
        return MemberRef(self.channel.space, member_id)

    async def whisper(self, message: OutboundMessage | str) -> None:
        """Answer the member privately."""
        if isinstance(message, str):
            message = OutboundMessage(text=message)
        await self.port.whisper(self.channel, self.member, message)

    async def post(self, message: OutboundMessage) -> MessageRef:
        """Post to the channel for everyone."""
        return await self.port.post(self.channel, message)


CommandHandler = Callable[[Turn, tuple[str, ...]], Awaitable[None]]
# Button and form handlers take the decoded button (bot.buttons): see bot.feature.button and form.
MessageHandler = Callable[[ServiceContext, ChatPort, Event], Awaitable[bool]]
TickHandler = Callable[[ServiceContext, ChatPort], Awaitable[None]]
