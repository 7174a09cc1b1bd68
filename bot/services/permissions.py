"""Who may run a channel's prep, and how a refusal says so.

Admins are what the platform says (Slack workspace admins and owners, Discord
members with Manage Server, the console's ``admin`` line); organizers are members
an admin named for one channel with ``/prep organizers add``. Admins and a
channel's organizers may ``schedule``, ``prompt``, ``reveal`` and run pairing
(``pair now|day|off``) there. Refusals name the rule of the member's platform.
"""

from __future__ import annotations

from bot.domain import ChannelRef, MemberRef, Platform
from bot.services.context import ServiceContext
from bot.store import organizers

ADMINS: dict[Platform, str] = {
    "slack": "workspace admins and owners",
    "discord": "members with Manage Server",
    "console": "admins",
}
ORGANIZERS: dict[Platform, str] = {
    "slack": "workspace admins and owners, or an organizer of this channel",
    "discord": "members with Manage Server, or an organizer of this channel",
    "console": "admins or organizers",
}


async def can_organize(ctx: ServiceContext, member: MemberRef, channel: ChannelRef) -> bool:
    """True for the platform's admins and for the organizers of ``channel``."""
    if member.is_admin:
        return True
    async with ctx.db.unit() as session:
        return await organizers.is_organizer(
            session,
            platform=channel.space.platform,
            space_external_id=channel.space.id,
            channel_external_id=channel.id,
            member_external_id=member.id,
        )


def admin_refusal(member: MemberRef, command: str) -> str:
    """Why ``/prep <command>`` (an admin-only command) was refused, in the platform's words."""
    rule = ADMINS.get(member.space.platform, ADMINS["console"])
    return f"`/prep {command}` is for {rule}. Ask one of them to run it."


def organizer_refusal(member: MemberRef, command: str) -> str:
    """Why ``/prep <command>`` (an organizer command) was refused, and how to become an organizer."""
    rule = ORGANIZERS.get(member.space.platform, ORGANIZERS["console"])
    return (
        f"`/prep {command}` is for {rule}. To become an organizer of this channel, ask an admin "
        f"to run `/prep organizers add @{member.label}` here."
    )
