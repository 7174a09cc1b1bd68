"""Discord payloads for the fake: JSON fixtures with ``{{name}}`` holes, filled per test.

The fixtures in ``tests/fixtures/discord/`` follow the shapes in Discord's API
documentation (READY, GUILD_CREATE, INTERACTION_CREATE for commands, autocomplete,
components and modal submits, MESSAGE_CREATE/UPDATE/DELETE). A string value that
is exactly ``"{{name}}"`` is replaced by the value given for ``name``, keeping its type.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "discord"
DISCORD_EPOCH_MS = 1420070400000
MEMBER_PERMISSIONS = 1071698660929  # @everyone: view, send, threads, history… no Manage Server
MANAGE_GUILD = 1 << 5

_counter = itertools.count(1)


def snowflake() -> str:
    """A fresh, increasing snowflake id, as Discord makes them (timestamp << 22 | counter)."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return str((ms << 22) | (next(_counter) & 0x3FFFFF))


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


@cache
def _raw(name: str) -> str:
    return (FIXTURES / f"{name}.json").read_text(encoding="utf-8")


def fixture(name: str, **values: Any) -> dict[str, Any]:
    """Load ``name.json`` and fill its holes; a hole left unfilled is an error in the test."""

    def fill(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        if isinstance(node, str) and node.startswith("{{") and node.endswith("}}"):
            key = node[2:-2]
            if key not in values:
                raise KeyError(f"fixture {name}.json needs a value for {key!r}")
            return values[key]
        return node

    filled: dict[str, Any] = fill(json.loads(_raw(name)))
    return filled


@dataclass
class Person:
    """A member of the fake guild."""

    id: str
    username: str
    admin: bool = False
    bot: bool = False

    def user(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "discriminator": "0",
            "global_name": self.username.title(),
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }

    def partial_member(self, role_id: str) -> dict[str, Any]:
        """The ``member`` field of a MESSAGE_CREATE (no ``user``)."""
        return {
            "roles": [role_id] if self.admin else [],
            "nick": None,
            "avatar": None,
            "joined_at": "2026-01-06T10:00:00.000000+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }

    def member(self, role_id: str) -> dict[str, Any]:
        """A guild member with ``user`` (GUILD_CREATE) and resolved ``permissions`` (interactions)."""
        perms = MEMBER_PERMISSIONS | (MANAGE_GUILD if self.admin else 0)
        return {**self.partial_member(role_id), "user": self.user(), "permissions": str(perms)}


def text_channel(channel_id: str, guild_id: str, name: str, position: int = 0) -> dict[str, Any]:
    return {
        "id": channel_id,
        "type": 0,
        "guild_id": guild_id,
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def thread_channel(thread_id: str, parent: dict[str, Any], name: str, owner_id: str) -> dict[str, Any]:
    return {
        "id": thread_id,
        "type": 11,
        "guild_id": parent["guild_id"],
        "parent_id": parent["id"],
        "name": name,
        "owner_id": owner_id,
        "last_message_id": None,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "rate_limit_per_user": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": now_iso(),
            "locked": False,
            "create_timestamp": now_iso(),
        },
    }


def command_options(sub: str, options: dict[str, Any], focused: str | None = None) -> list[dict[str, Any]]:
    """``data.options`` for ``/prep <sub> name:value…`` (strings type 3, ints type 4, a Person type 6)."""
    inner = []
    for name, value in options.items():
        if isinstance(value, Person):
            option: dict[str, Any] = {"name": name, "type": 6, "value": value.id}
        else:
            option = {"name": name, "type": 4 if isinstance(value, int) else 3, "value": value}
        if name == focused:
            option["focused"] = True
        inner.append(option)
    return [{"name": sub, "type": 1, "options": inner}]


def resolved(options: dict[str, Any], role_id: str) -> dict[str, Any]:
    """``data.resolved`` for the members named in user options, as Discord sends it beside the ids."""
    people = [v for v in options.values() if isinstance(v, Person)]
    if not people:
        return {}
    members = {p.id: {k: v for k, v in p.member(role_id).items() if k != "user"} for p in people}
    return {"users": {p.id: p.user() for p in people}, "members": members}


def text_inputs(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Every text input of a modal payload (type 4), however deep it is nested."""
    found = []
    stack = list(payload.get("components", []))
    while stack:
        node = stack.pop(0)
        if node.get("type") == 4:
            found.append(node)
        stack.extend(node.get("components", []))
        if isinstance(node.get("component"), dict):
            stack.append(node["component"])
    return found


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The buttons of a message payload, row by row."""
    return [c for row in message.get("components", []) for c in row.get("components", []) if c["type"] == 2]
