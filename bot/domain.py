"""Plain references to things on a chat platform, and small value objects.

Every reference carries its space (a Slack team, a Discord guild, a console
session) so that no query can cross tenants by accident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Platform = Literal["slack", "discord", "console"]
# A member named in a command's arguments: ``<@U123>`` (adapters normalise to this form).
MENTION = re.compile(r"^<@!?(?P<id>[^<>@|\s]+)>$")


def mentioned_id(word: str) -> str | None:
    """The member id in a ``<@ID>`` argument, or None when ``word`` is not one."""
    match = MENTION.match(word.strip())
    return match["id"] if match else None


@dataclass(frozen=True)
class SpaceRef:
    """A tenant: one Slack workspace, one Discord guild, one console session."""

    platform: Platform
    id: str
    name: str = ""


@dataclass(frozen=True)
class ChannelRef:
    """A channel inside a space."""

    space: SpaceRef
    id: str
    name: str = ""


@dataclass(frozen=True)
class MemberRef:
    """A person inside a space. ``is_admin`` is what the platform says right now.

    ``timezone`` is the IANA zone of the member's platform profile (Slack's
    ``users.info`` ``tz``), or None where the platform has none (Discord, console).
    """

    space: SpaceRef
    id: str
    display_name: str = ""
    is_admin: bool = False
    timezone: str | None = None

    @property
    def label(self) -> str:
        return self.display_name or self.id


@dataclass(frozen=True)
class MessageRef:
    """A message the platform knows; ``thread_id`` is the thread it lives in, if any."""

    channel: ChannelRef
    id: str
    thread_id: str | None = None

    @property
    def thread_root(self) -> str:
        """The id that names this message's thread (its own id for a top-level post)."""
        return self.thread_id or self.id
