"""Stored rows as the platform references the ports take: the one row → ref mapper.

A ``Space``/``Channel``/``Member`` row keeps the platform's ids; the services post
and send to ``SpaceRef``/``ChannelRef``/``MemberRef``/``MessageRef``. Every
conversion goes through here, so a new field on a ref is filled in one place.
"""

from __future__ import annotations

from typing import cast

from bot.domain import ChannelRef, MemberRef, MessageRef, Platform, SpaceRef
from bot.store.models import Channel, Member, PromptPost, Space


def space_ref(space: Space) -> SpaceRef:
    """The platform reference of a stored space (a Slack team, a Discord guild, a console)."""
    return SpaceRef(cast(Platform, space.platform), space.external_id, space.name)


def channel_ref(channel: Channel, space: Space | SpaceRef) -> ChannelRef:
    """The platform reference of a stored channel (what the port posts to)."""
    where = space if isinstance(space, SpaceRef) else space_ref(space)
    return ChannelRef(where, channel.external_id, channel.name)


def member_ref(member: Member, space: Space | SpaceRef) -> MemberRef:
    """The platform reference of a stored member (whom the port sends direct messages)."""
    where = space if isinstance(space, SpaceRef) else space_ref(space)
    return MemberRef(where, member.external_id, member.display_name)


def prompt_post_ref(prompt: PromptPost, channel: ChannelRef) -> MessageRef:
    """A posted prompt's message, as the thread its answers and digest go into."""
    assert prompt.message_id is not None
    return MessageRef(channel, prompt.message_id, thread_id=prompt.message_id)
