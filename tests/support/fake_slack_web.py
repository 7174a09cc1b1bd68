"""The fake Slack's Web API answers: channels, members, DMs and file uploads as Slack has them.

State the tests set up (:class:`SlackChannel`, :class:`SlackUser`, the app's
scopes and Messages tab) decides each answer the way Slack documents it:

- ``chat.postMessage`` answers ``channel_not_found`` for a deleted channel or a
  private one the bot is not in (Slack will not even say it exists),
  ``is_archived`` for an archived one, ``not_in_channel`` for a public one the
  bot is not in (unless the app holds ``chat:write.public``); in a DM,
  ``messages_tab_disabled`` when the App Home's Messages tab is off and
  ``cannot_dm_bot`` when the member is a bot.
- ``conversations.open`` answers ``user_not_found`` / ``user_disabled``;
  ``conversations.info`` hides private channels the bot is not in;
  ``conversations.join`` joins public channels only.
- the files_upload_v2 flow lives in :mod:`tests.support.fake_slack_files`.
- Every method checks the bot's scopes (``missing_scope`` with ``needed``); by
  default the fake holds exactly the scopes of ``deploy/slack-manifest.yaml``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from tests.support.fake_slack_files import SlackFiles, fail
from tests.support.slack_wire import BOT_ID, BOT_USER, TEAM, ApiCall

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "slack-manifest.yaml"

# The scope each method needs (any one of a set); conversations.* depend on the channel's kind.
METHOD_SCOPES: dict[str, set[str]] = {
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "conversations.open": {"im:write", "mpim:write", "channels:manage", "groups:write"},
    "conversations.join": {"channels:join"},
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
    "users.info": {"users:read"},
    "users.conversations": {"channels:read", "groups:read"},
}
KIND_SCOPES = {
    "conversations.info": {"public": "channels:read", "private": "groups:read", "im": "im:read"},
    "conversations.history": {"public": "channels:history", "private": "groups:history", "im": "im:history"},
}


def manifest_scopes() -> set[str]:
    """The bot scopes the shipped manifest asks for: what an install from it grants."""
    manifest = yaml.safe_load(MANIFEST.read_text())
    return set(manifest["oauth_config"]["scopes"]["bot"])


def manifest_messages_tab() -> bool:
    """Whether an app made from the shipped manifest lets members receive (and answer) DMs."""
    manifest = yaml.safe_load(MANIFEST.read_text())
    return bool(manifest["features"]["app_home"].get("messages_tab_enabled"))


@dataclass
class SlackUser:
    id: str
    name: str
    is_admin: bool = False
    is_owner: bool = False
    deleted: bool = False  # a deactivated account
    is_bot: bool = False
    tz: str = "America/Los_Angeles"  # Slack's default profile zone


@dataclass
class SlackChannel:
    """A conversation's state as Slack holds it; unknown ids are public channels the bot is in."""

    id: str
    name: str = ""
    private: bool = False
    member: bool = True  # is the bot a member
    archived: bool = False
    deleted: bool = False
    # Who is in the channel: None means every member of the workspace.
    members: set[str] | None = None
    # Messages other apps or people posted (conversations.history shows them too).
    foreign: list[dict[str, Any]] = field(default_factory=list)

    def has(self, user_id: str) -> bool:
        return self.members is None or user_id in self.members


class SlackWebApi(SlackFiles):
    """Web API answers of :class:`tests.support.fake_slack.FakeSlack` (state lives there)."""

    port: int
    users: dict[str, SlackUser]
    removed_users: set[str]
    channels: dict[str, SlackChannel]
    dms: dict[str, str]
    scopes: set[str]
    messages_tab_enabled: bool
    views_open_error: str | None
    calls: list[ApiCall]
    _next_ts: Callable[[], str]  # SlackSender's

    # --- state -----------------------------------------------------------------
    def channel(self, channel_id: str) -> SlackChannel:
        return self.channels.get(channel_id) or SlackChannel(channel_id)

    def add_channel(self, channel_id: str, name: str = "", **state: bool) -> SlackChannel:
        """Register a channel (``private``, ``member``, ``archived``, ``deleted``)."""
        self.channels[channel_id] = SlackChannel(channel_id, name or channel_id.lower(), **state)
        return self.channels[channel_id]

    def _kind(self, channel_id: str) -> str:
        if channel_id in self.dms:
            return "im"
        return "private" if self.channel(channel_id).private else "public"

    def _missing_scope(self, method: str, args: dict[str, Any]) -> dict[str, Any] | None:
        needed = METHOD_SCOPES.get(method)
        if method in KIND_SCOPES:
            needed = {KIND_SCOPES[method][self._kind(str(args.get("channel", "")))]}
        if needed is None or needed & self.scopes:
            return None
        return fail("missing_scope", needed=",".join(sorted(needed)), provided=",".join(sorted(self.scopes)))

    def _post_refusal(self, channel_id: str) -> str | None:
        """Why Slack would refuse a new message in ``channel_id`` (None: it would post)."""
        if channel_id.startswith("D"):
            if channel_id not in self.dms:
                return "channel_not_found"
            if not self.messages_tab_enabled:
                return "messages_tab_disabled"
            user = self.users.get(self.dms[channel_id])
            return "cannot_dm_bot" if user is not None and user.is_bot else None
        channel = self.channel(channel_id)
        if channel.deleted or (channel.private and not channel.member):
            return "channel_not_found"
        if channel.archived:
            return "is_archived"
        if not channel.member and "chat:write.public" not in self.scopes:
            return "not_in_channel"
        return None

    def _read_refusal(self, channel_id: str) -> str | None:
        """Why Slack would refuse to show ``channel_id`` (history, info) to the bot."""
        if channel_id.startswith("D"):
            return None if channel_id in self.dms else "channel_not_found"
        channel = self.channel(channel_id)
        if channel.deleted or (channel.private and not channel.member):
            return "channel_not_found"
        return None

    # --- answers ---------------------------------------------------------------
    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        refused = self._missing_scope(method, args)
        if refused is not None:
            return refused
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return fail("unknown_method")
        result: dict[str, Any] = handler(args)
        return result

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "team": "Prep"}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        refusal = self._post_refusal(channel)
        if refusal:
            return fail(refusal)
        ts = self._next_ts()
        return {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text")}}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        refusal = self._read_refusal(channel) or ("is_archived" if self.channel(channel).archived else None)
        if refusal:
            return fail(refusal)
        return {"ok": True, "channel": channel, "ts": args.get("ts"), "message": {"text": args.get("text")}}

    def _chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        refusal = None if channel.startswith("D") else self._post_refusal(channel)
        if refusal == "not_in_channel" or (refusal is None and not self.channel(channel).member):
            refusal = "not_in_channel"  # chat:write.public does not cover ephemeral messages
        if refusal:
            return fail(refusal)
        return {"ok": True, "message_ts": self._next_ts()}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        refusal = self._read_refusal(channel)
        if refusal is None and not channel.startswith("D") and not self.channel(channel).member:
            refusal = "not_in_channel"
        if refusal:
            return fail(refusal)
        posted = [
            c
            for c in self.calls
            if c.method == "chat.postMessage" and c.get("channel") == channel and c.result.get("ok")
        ]
        messages = [self._as_history(c) for c in reversed(posted)]
        messages += self.channel(channel).foreign
        return {"ok": True, "messages": messages, "has_more": False}

    def _users_conversations(self, args: dict[str, Any]) -> dict[str, Any]:
        """Channels ``user`` is in; private ones only where the bot is in too (as with a bot token).

        Paged two at a time, so a caller that ignores ``next_cursor`` misses channels.
        """
        user = str(args.get("user", ""))
        if user not in self.users:
            return fail("user_not_found")
        found = [
            {"id": c.id, "name": c.name, "is_private": c.private}
            for c in self.channels.values()
            if c.has(user) and not c.deleted and (c.member or not c.private)
        ]
        start = int(str(args.get("cursor") or "0"))
        page = found[start : start + 2]
        cursor = str(start + 2) if start + 2 < len(found) else ""
        return {"ok": True, "channels": page, "response_metadata": {"next_cursor": cursor}}

    def _as_history(self, call: ApiCall) -> dict[str, Any]:
        """A posted message as conversations.history shows it (metadata included when asked)."""
        message = {
            "type": "message",
            "ts": call.ts,
            "text": call.get("text", ""),
            "user": BOT_USER,
            "bot_id": BOT_ID,
        }
        metadata = call.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if metadata:
            message["metadata"] = metadata
        return message

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user")))
        if user is None:
            return fail("user_not_found")
        return {
            "ok": True,
            "user": {
                "id": user.id,
                "team_id": TEAM,
                "name": user.name,
                "real_name": user.name.title(),
                "deleted": user.deleted,
                "is_bot": user.is_bot,
                # Slack's profile zone: an IANA name, with its label and offset in seconds.
                "tz": user.tz,
                "tz_label": user.tz,
                "tz_offset": int(
                    (dt.datetime.now(ZoneInfo(user.tz)).utcoffset() or dt.timedelta()).total_seconds()
                ),
                "is_admin": user.is_admin,
                "is_owner": user.is_owner,
                "profile": {"display_name": user.name, "real_name": user.name.title()},
            },
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        """views.open as Slack answers it: a trigger, and a modal within Block Kit's limits."""
        view = args.get("view")
        if not args.get("trigger_id"):
            return fail("invalid_arguments")
        if self.views_open_error:
            return fail(self.views_open_error)
        if not isinstance(view, dict) or view.get("type") != "modal":
            return fail("invalid_arguments")
        texts = [(view.get(k) or {}).get("text", "") for k in ("title", "submit", "close")]
        inputs = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
        if (
            not texts[0]
            or any(len(t) > 24 for t in texts)
            or len(str(view.get("private_metadata") or "")) > 3000
            or any(len(b["label"]["text"]) > 2000 for b in inputs)
        ):
            return fail("invalid_arguments")
        view_id = f"V{uuid.uuid4().hex[:10].upper()}"
        return {"ok": True, "view": {**view, "id": view_id, "team_id": TEAM, "state": {"values": {}}}}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "view": {"id": "V1", **(args.get("view") or {})}}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("users", ""))
        if not user_id or "," in user_id:
            return fail("invalid_arguments")  # this fake opens 1:1 DMs only
        user = self.users.get(user_id)
        if user_id in self.removed_users or not user_id.startswith(("U", "W")):
            return fail("user_not_found")
        if user is not None and user.deleted:
            return fail("user_disabled")
        dm = "D" + user_id.removeprefix("U")
        already = dm in self.dms
        self.dms[dm] = user_id
        return {"ok": True, "no_op": already, "already_open": already, "channel": {"id": dm}}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(args.get("channel", ""))
        refusal = self._read_refusal(channel_id)
        if refusal:
            return fail(refusal)
        if channel_id in self.dms:
            return {"ok": True, "channel": {"id": channel_id, "is_im": True, "user": self.dms[channel_id]}}
        return {"ok": True, "channel": self._channel_object(self.channel(channel_id))}

    @staticmethod
    def _channel_object(channel: SlackChannel) -> dict[str, Any]:
        return {
            "id": channel.id,
            "name": channel.name or channel.id.lower(),
            "is_channel": not channel.private,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": channel.private,
            "is_archived": channel.archived,
            "is_member": channel.member,
        }

    def _conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel_id = str(args.get("channel", ""))
        if channel_id.startswith("D"):
            return fail("method_not_supported_for_channel_type")
        channel = self.channel(channel_id)
        if channel.deleted or (channel.private and not channel.member):
            return fail("channel_not_found")
        if channel.private:
            return fail("method_not_supported_for_channel_type")
        if channel.archived:
            return fail("is_archived")
        already = channel.member
        channel.member = True
        self.channels[channel_id] = channel
        answer: dict[str, Any] = {"ok": True, "channel": self._channel_object(channel)}
        if already:
            answer["warning"] = "already_in_channel"
        return answer
