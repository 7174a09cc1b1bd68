"""Slack payloads → the core's plain events. Pure functions, no I/O.

Delivery ids are what make Slack's retries harmless: a slash command's retry
carries the same ``trigger_id``, a click's retry the same ``action_ts`` and
``trigger_id``, so the core (which claims each delivery id once) sees the
same delivery and does nothing the second time.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from adapters.slack.blocks import action_name
from bot.domain import ChannelRef, MemberRef, MessageRef, SpaceRef
from bot.events import ButtonPressed, CommandInvoked, MessageDeleted, MessageEdited, MessagePosted

Body = dict[str, Any]

# A user mention as Slack escapes it in command text (``should_escape: true``):
# ``<@U123|name>``, or ``<@U123>`` since Slack stopped sending names; W… ids on Enterprise Grid.
USER_MENTION = re.compile(r"<@(?P<id>[UW][A-Z0-9]+)(?:\|[^>]*)?>")

# Message subtypes that are a member writing something; every other subtype
# (joins, topic changes, bot posts…) is not an answer.
MEMBER_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}


def space_of(body: Body) -> SpaceRef:
    """The workspace a payload belongs to (slash command, interactivity or event)."""
    team = body.get("team")
    team_id = body.get("team_id") or (team.get("id") if isinstance(team, dict) else None)
    if not team_id and isinstance(body.get("user"), dict):
        team_id = body["user"].get("team_id")
    domain = body.get("team_domain") or (team.get("domain") if isinstance(team, dict) else "") or ""
    return SpaceRef(platform="slack", id=str(team_id or "unknown"), name=str(domain))


def normalise_mentions(text: str) -> str:
    """``<@U123|name>`` (and ``<@U123>``) → ``<@U123>``: the one form the core reads as a member."""
    return USER_MENTION.sub(lambda m: f"<@{m['id']}>", text)


def mentioned_ids(args: tuple[str, ...]) -> list[str]:
    """The user ids named in a command's arguments, in order, once each."""
    found = [m["id"] for word in args if (m := USER_MENTION.fullmatch(word))]
    return list(dict.fromkeys(found))


def split_command(text: str) -> tuple[str, tuple[str, ...]]:
    """``"schedule 09:30 Europe/London mon-fri"`` → ``("schedule", ("09:30", …))``."""
    # Slack turns quotes into typographic ones and members leave them unbalanced,
    # so quoting is a nicety: plain whitespace splitting is the fallback.
    cleaned = normalise_mentions(text.replace("\u201c", '"').replace("\u201d", '"')).strip()
    try:
        words = shlex.split(cleaned)
    except ValueError:
        words = cleaned.split()
    if not words:
        return "help", ()
    return words[0].lower(), tuple(words[1:])


def command_event(body: Body, member: MemberRef, mentions: tuple[MemberRef, ...] = ()) -> CommandInvoked:
    """The core's event for a slash command; ``mentions``: what is known of members it names."""
    channel = ChannelRef(member.space, str(body["channel_id"]), str(body.get("channel_name") or ""))
    name, args = split_command(str(body.get("text") or ""))
    return CommandInvoked(
        delivery_id=str(body["trigger_id"]),
        channel=channel,
        member=member,
        name=name,
        args=args,
        mentions=mentions,
    )


@dataclass(frozen=True)
class Click:
    """One pressed element of a block_actions payload, and where it was."""

    event: ButtonPressed
    ephemeral: bool


def channel_of_action(body: Body, space: SpaceRef) -> ChannelRef | None:
    channel = body.get("channel") or {}
    container = body.get("container") or {}
    channel_id = channel.get("id") or container.get("channel_id")
    if not channel_id:
        return None  # a Home tab or a modal: nothing of prepbot's lives there
    return ChannelRef(space, str(channel_id), str(channel.get("name") or ""))


def click_events(body: Body, member: MemberRef) -> list[Click]:
    """ButtonPressed events for the actions of a block_actions payload."""
    channel = channel_of_action(body, member.space)
    if channel is None:
        return []
    container = body.get("container") or {}
    message = body.get("message") or {}
    ts = container.get("message_ts") or message.get("ts")
    thread_ts = container.get("thread_ts") or message.get("thread_ts")
    ref = None
    if ts:
        ref = MessageRef(channel, str(ts), str(thread_ts) if thread_ts and thread_ts != ts else None)
    ephemeral = bool(container.get("is_ephemeral"))
    clicks = []
    actions = body.get("actions") or []
    for number, action in enumerate(actions):
        value = action.get("value")
        if value is None and isinstance(action.get("selected_option"), dict):
            value = action["selected_option"].get("value")
        delivery = f"{action['action_ts']}:{body['trigger_id']}"
        if len(actions) > 1:
            delivery += f":{number}"
        event = ButtonPressed(
            delivery_id=delivery,
            channel=channel,
            member=member,
            action=action_name(str(action["action_id"])),
            value=str(value or ""),
            message=ref,
        )
        clicks.append(Click(event, ephemeral))
    return clicks


def message_author(event: Body) -> str | None:
    """Who wrote the message an event is about; None for bots, the bot itself and system messages."""
    subtype = event.get("subtype")
    if subtype == "message_changed":
        inner = event.get("message") or {}
        if inner.get("bot_id") or inner.get("subtype") not in MEMBER_SUBTYPES:
            return None
        return inner.get("user")
    if event.get("bot_id") or subtype not in MEMBER_SUBTYPES:
        return None
    return event.get("user")


def _ref(channel: ChannelRef, message: Body, ts_key: str = "ts") -> MessageRef:
    ts = str(message[ts_key])
    thread_ts = message.get("thread_ts")
    return MessageRef(channel, ts, str(thread_ts) if thread_ts and thread_ts != ts else None)


def message_event(
    event: Body, space: SpaceRef, member: MemberRef | None, delivery_id: str = ""
) -> MessagePosted | MessageEdited | MessageDeleted | None:
    """The core event for a ``message`` event, or None when it is not a member's message.

    ``delivery_id`` is the envelope's ``event_id``: the same on every retry of this
    delivery, so the core claims it once.
    """
    channel = ChannelRef(space, str(event.get("channel") or ""))
    if not channel.id:
        return None
    subtype = event.get("subtype")
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        if previous.get("bot_id") or not event.get("deleted_ts"):
            return None
        return MessageDeleted(_ref(channel, previous | {"ts": event["deleted_ts"]}), delivery_id=delivery_id)
    if member is None:
        return None
    if subtype == "message_changed":
        inner = event.get("message") or {}
        previous = event.get("previous_message") or {}
        # Slack also sends message_changed when a link unfurls or a reply count
        # changes; only a change of text is an edit.
        if "ts" not in inner or inner.get("text") == previous.get("text"):
            return None
        return MessageEdited(_ref(channel, inner), member, str(inner.get("text") or ""), delivery_id)
    if "ts" not in event:
        return None
    return MessagePosted(_ref(channel, event), member, str(event.get("text") or ""), delivery_id)
