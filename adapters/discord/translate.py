"""Discord payloads → core events: pure functions over the gateway's and interactions' JSON.

Nothing here needs a discord.py client: each function reads the dict Discord
sent (``MESSAGE_CREATE``, ``MESSAGE_UPDATE``, ``MESSAGE_DELETE[_BULK]``, a
component or modal ``INTERACTION_CREATE``) plus what only the client can know
(the channel as the core sees it — a thread's parent — and whether the member
may manage the server), and returns :mod:`bot.events` objects, or None for what
is not a member's action. ``tests/test_discord_translate.py`` checks them
against the JSON fixtures in ``tests/fixtures/discord``.

``custom_id`` formats (at most 100 characters, so they survive restarts):
``prep:<action>:<value>`` (a core button), ``prepsel:<action>:`` (a select; the
picked option is the value), ``prepanswer:<thread>`` (the Answer modal),
``preptyped`` (a challenge answer), ``prepform:<action>:<value>`` (a core form).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from bot.domain import ChannelRef, MemberRef, MessageRef, SpaceRef
from bot.events import ButtonPressed, MessageDeleted, MessageEdited, MessagePosted

Payload = dict[str, Any]

ACTION = r"[a-z0-9._-]+"
BUTTON_TEMPLATE = rf"prep:(?P<action>{ACTION}):(?P<value>.*)"
SELECT_TEMPLATE = rf"prepsel:(?P<action>{ACTION}):"
ANSWER_MODAL_PREFIX = "prepanswer:"
ANSWER_FIELD = "answer"
TYPED_MODAL_ID = "preptyped"
FORM_MODAL_PREFIX = "prepform:"
FORM_FIELD = "text"
FORM_TEMPLATE = rf"{FORM_MODAL_PREFIX}(?P<action>{ACTION}):(?P<value>.*)"
# A modal has at most five rows of one input; far more nodes than that is not a real submit.
MAX_NODES = 100
# Message types a member's answer can have: DEFAULT and REPLY (joins, pins… are system messages).
ANSWER_TYPES = (0, 19)


def space(guild_id: int | str, name: str = "") -> SpaceRef:
    """The core's space for a guild."""
    return SpaceRef("discord", str(guild_id), name)


def display_name(user: Payload, member: Payload | None = None) -> str:
    """What Discord shows for a member: the server nickname, else the global name, else the username."""
    for name in ((member or {}).get("nick"), user.get("global_name"), user.get("username")):
        if isinstance(name, str) and name:
            return name
    return str(user.get("id") or "")


def clicked(data: Payload) -> tuple[str, str] | None:
    """(action, value) of a component interaction's ``data``; None when the component is not ours."""
    custom_id = str(data.get("custom_id") or "")
    button = re.fullmatch(BUTTON_TEMPLATE, custom_id)
    if button:
        return button["action"], button["value"]
    select = re.fullmatch(SELECT_TEMPLATE, custom_id)
    if select:
        values = data.get("values") or [""]
        return select["action"], str(values[0])
    return None


def button_pressed(
    interaction: Payload, channel: ChannelRef, member: MemberRef, thread_id: str | None = None
) -> ButtonPressed | None:
    """A component click as the core's ``ButtonPressed``, keyed on the interaction id."""
    found = clicked(interaction.get("data") or {})
    if found is None:
        return None
    message = interaction.get("message")
    ref = MessageRef(channel, str(message["id"]), thread_id) if isinstance(message, dict) else None
    return ButtonPressed(str(interaction["id"]), channel, member, found[0], found[1], ref)


@dataclass(frozen=True)
class ModalSubmit:
    """What a submitted modal is: an answer in ``thread``, a typed challenge answer, or a core form."""

    kind: Literal["answer", "typed", "form"]
    text: str
    thread: str = ""
    action: str = ""
    value: str = ""


def modal_submit(data: Payload) -> ModalSubmit | None:
    """Read a modal submit's ``data``; None when the modal is not one of ours."""
    custom_id = str(data.get("custom_id") or "")
    if custom_id == TYPED_MODAL_ID:
        return ModalSubmit("typed", submitted_text(data).strip())
    form = form_target(custom_id)
    if form is not None:
        return ModalSubmit("form", submitted_text(data, FORM_FIELD).strip(), action=form[0], value=form[1])
    if custom_id.startswith(ANSWER_MODAL_PREFIX):
        thread = custom_id[len(ANSWER_MODAL_PREFIX) :]
        return ModalSubmit("answer", submitted_text(data).strip(), thread=thread)
    return None


def form_target(custom_id: str) -> tuple[str, str] | None:
    """The (action, value) a submitted form modal names, or None when it is not one."""
    match = re.fullmatch(FORM_TEMPLATE, custom_id)
    return (match["action"], match["value"]) if match else None


def submitted_text(data: Payload, field: str = ANSWER_FIELD) -> str:
    """The text a member typed into a modal's ``field`` (text inputs may be nested in rows or labels)."""
    components = data.get("components")
    stack: list[Any] = list(components) if isinstance(components, list) else []
    seen = 0
    while stack and seen < MAX_NODES:  # untrusted data: bounded, and anything not a dict skipped
        node = stack.pop(0)
        seen += 1
        if not isinstance(node, dict):
            continue
        if node.get("type") == 4 and node.get("custom_id") == field:
            value = node.get("value")
            return value if isinstance(value, str) else ""
        children = node.get("components")
        if isinstance(children, list):
            stack.extend(children)
        if isinstance(node.get("component"), dict):
            stack.append(node["component"])
    return ""


def from_member(message: Payload) -> bool:
    """True for a message a member wrote in a server (not a bot, a webhook or a DM)."""
    author = message.get("author") or {}
    return bool(message.get("guild_id")) and not author.get("bot") and not message.get("webhook_id")


def message_posted(
    message: Payload, channel: ChannelRef, author: MemberRef, thread_id: str | None = None
) -> MessagePosted | None:
    """A ``MESSAGE_CREATE`` as ``MessagePosted``; None for bots, webhooks, system messages and
    empty content (what Discord sends without the Message Content intent)."""
    content = str(message.get("content") or "")
    if not from_member(message) or message.get("type", 0) not in ANSWER_TYPES or not content.strip():
        return None
    return MessagePosted(MessageRef(channel, str(message["id"]), thread_id), author, content)


def message_edited(
    update: Payload,
    channel: ChannelRef,
    author: MemberRef,
    thread_id: str | None = None,
    *,
    message_content: bool = True,
) -> MessageEdited | None:
    """A ``MESSAGE_UPDATE`` that changed the text as ``MessageEdited``; None otherwise.

    Without the Message Content intent every edit reads as empty, and must not wipe an answer.
    """
    if "content" not in update or not from_member(update):
        return None
    content = str(update.get("content") or "")
    if not content.strip() and not message_content:
        return None
    return MessageEdited(MessageRef(channel, str(update["id"]), thread_id), author, content)


def messages_deleted(
    deleted: Payload, channel: ChannelRef, thread_id: str | None = None
) -> list[MessageDeleted]:
    """``MESSAGE_DELETE`` (``id``) or ``MESSAGE_DELETE_BULK`` (``ids``) as ``MessageDeleted`` events."""
    if not deleted.get("guild_id"):
        return []
    ids = deleted.get("ids") if "ids" in deleted else [deleted.get("id")]
    ordered = sorted((str(i) for i in ids or [] if i), key=lambda i: (len(i), i))
    return [MessageDeleted(MessageRef(channel, message_id, thread_id)) for message_id in ordered]
