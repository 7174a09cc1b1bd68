"""What adapters hand to the core: platform payloads turned into plain events.

``delivery_id`` identifies one delivery of one user action. A platform retry of
the same action carries the same id, so effects keyed by it happen once: the core
claims each delivery under :func:`delivery_key` before acting on it (``bot.claims``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import ChannelRef, MemberRef, MessageRef, SpaceRef


@dataclass(frozen=True)
class CommandInvoked:
    """``/prep <name> <args…>`` typed by a member in a channel (or a thread).

    A member named in the arguments arrives as the token ``<@ID>``; ``mentions``
    may carry what the adapter knows of them (name, profile zone), by id.
    """

    delivery_id: str
    channel: ChannelRef
    member: MemberRef
    name: str
    args: tuple[str, ...] = ()
    thread_id: str | None = None
    mentions: tuple[MemberRef, ...] = ()


@dataclass(frozen=True)
class ButtonPressed:
    """A member pressed a button the bot rendered; ``action`` and ``value`` come from it."""

    delivery_id: str
    channel: ChannelRef
    member: MemberRef
    action: str
    value: str
    message: MessageRef | None = None


@dataclass(frozen=True)
class TextSubmitted:
    """A member filled in the form a button opened (``render.TextInput``).

    ``action`` and ``value`` are the button's; ``text`` is what they typed, empty
    when the field is optional and they left it blank. ``message`` is the message
    that carried the button, when the platform says.
    """

    delivery_id: str
    channel: ChannelRef
    member: MemberRef
    action: str
    value: str
    text: str
    message: MessageRef | None = None


@dataclass(frozen=True)
class MessagePosted:
    """A member wrote in a channel or a thread (a thread answer, or a typed quiz answer).

    ``delivery_id`` is the platform's id for this delivery (Slack's ``event_id``);
    empty when the platform has none, and the core then keys it by the message.
    """

    message: MessageRef
    member: MemberRef
    text: str
    delivery_id: str = ""


@dataclass(frozen=True)
class MessageEdited:
    """A member edited a message the bot may have recorded (``delivery_id`` as for a post)."""

    message: MessageRef
    member: MemberRef
    text: str
    delivery_id: str = ""


@dataclass(frozen=True)
class MessageDeleted:
    """A message was deleted; the member may be unknown on some platforms (``delivery_id`` as for a post)."""

    message: MessageRef
    delivery_id: str = ""


@dataclass(frozen=True)
class AppInstalled:
    """The app was installed in ``space`` (a Slack OAuth install completed, the bot joined a guild).

    A space removed before gets its scheduled work back (``uninstalled_at`` cleared).
    """

    space: SpaceRef
    delivery_id: str = ""


@dataclass(frozen=True)
class AppRemoved:
    """The app was removed from ``space`` (Slack ``app_uninstalled``/``tokens_revoked``, guild left).

    Its scheduled work stops at once; its data goes after the retention window.
    """

    space: SpaceRef
    delivery_id: str = ""


SpaceChanged = AppInstalled | AppRemoved

Event = CommandInvoked | ButtonPressed | TextSubmitted | MessagePosted | MessageEdited | MessageDeleted


def delivery_key(event: Event) -> str | None:
    """The one key the core claims an inbound delivery under (``Delivery.key``, unique per space).

    ``<kind>:<platform delivery id>``, kind being ``cmd``, ``btn``, ``form`` or ``msg``.
    A posted message without a platform id (Discord's gateway) is keyed by what it
    is: ``msg:posted:<channel>:<message>``. An edit or a deletion without one has no
    key (None: not claimed): a message may be edited many times, back and forth, and
    applying the same edit or deletion twice changes nothing.
    """
    if isinstance(event, CommandInvoked):
        return f"cmd:{event.delivery_id}"
    if isinstance(event, ButtonPressed):
        return f"btn:{event.delivery_id}"
    if isinstance(event, TextSubmitted):
        return f"form:{event.delivery_id}"
    if event.delivery_id:
        return f"msg:{event.delivery_id}"
    where = f"{event.message.channel.id}:{event.message.id}"
    return f"msg:posted:{where}" if isinstance(event, MessagePosted) else None
