"""Who may run a channel's prep (schedule, prompt, reveal, pair now|day|off)."""

from __future__ import annotations

from bot.domain import ChannelRef, MemberRef
from bot.services.context import ServiceContext


async def can_organize(ctx: ServiceContext, member: MemberRef, channel: ChannelRef) -> bool:
    """Admins may run a channel's prep (organizers come with the organizers feature)."""
    return member.is_admin
