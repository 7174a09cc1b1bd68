"""Who may post where on the fake Discord: channel permissions for the bot, closed DMs, attachments.

Discord decides access from the bot's roles and the channel's permission
overwrites, and answers as documented: ``GET /channels/{id}``, a message read
and a message create give 403 code 50001 (Missing Access) where the bot cannot
view the channel, a create gives 403 50013 (Missing Permissions) where it cannot
send, 404 10003 (Unknown Channel) for a deleted one, a read 404 10008 (Unknown
Message) for a message not in that channel; a DM to a member whose DMs are
closed is created, but sending in it answers 403 50007 (Cannot send messages to
this user); a DM with an unknown user is 404 10013. The overwrites are real
ones in the channel payload, so discord.py computes the same permissions from
the gateway's cache (``restrict`` dispatches CHANNEL_UPDATE as Discord does).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import BodyPartReader, web

from tests.support.discord_payloads import Person, snowflake

VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38


class DiscordAccess:
    """Access rules of :class:`tests.support.fake_discord.FakeDiscord` (state lives there)."""

    bot: Person
    people: dict[str, Person]
    channels: dict[str, dict[str, Any]]
    messages: dict[str, dict[str, Any]]
    dm_channels: dict[str, str]
    dms_closed: set[str]
    attachments: dict[str, list[tuple[str, bytes]]]
    bodies: list[dict[str, Any]]
    identified: Any
    moderator_role: str
    dispatch: Callable[[str, dict[str, Any]], Awaitable[None]]
    _error: Callable[[int, int, str], web.Response]
    _json: Callable[..., web.Response]

    async def restrict(
        self, channel_id: str, *, view: bool = True, send: bool = True, threads: bool = True
    ) -> None:
        """Deny the bot permissions in a channel with a member overwrite (and tell the gateway)."""
        denied = (0 if view else VIEW_CHANNEL) | (0 if send else SEND_MESSAGES)
        denied |= 0 if threads else CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS
        channel = self.channels[channel_id]
        others = [o for o in channel["permission_overwrites"] if o["id"] != self.bot.id]
        overwrite = {"id": self.bot.id, "type": 1, "allow": "0", "deny": str(denied)}
        channel["permission_overwrites"] = others + ([overwrite] if denied else [])
        if self.identified.is_set():
            await self.dispatch("CHANNEL_UPDATE", channel)

    async def hide_from(self, channel_id: str, name: str) -> None:
        """A member overwrite denying ``name`` View Channel (a private channel they are not in)."""
        person = self.people[name]
        channel = self.channels[channel_id]
        others = [o for o in channel["permission_overwrites"] if o["id"] != person.id]
        deny = {"id": person.id, "type": 1, "allow": "0", "deny": str(VIEW_CHANNEL)}
        channel["permission_overwrites"] = [*others, deny]
        if self.identified.is_set():
            await self.dispatch("CHANNEL_UPDATE", channel)

    async def _get_member(self, request: web.Request) -> web.Response:
        """``GET /guilds/{gid}/members/{uid}``: the member with their roles, or 404 10007."""
        uid = request.match_info["uid"]
        person = next((p for p in self.people.values() if p.id == uid), None)
        if person is None:
            return self._error(404, 10007, "Unknown Member")
        member = person.partial_member(self.moderator_role)
        return self._json({**member, "user": person.user()})

    async def _get_message(self, request: web.Request) -> web.Response:
        """``GET /channels/{cid}/messages/{mid}``: a message of that channel, or 404 10008."""
        cid = request.match_info["cid"]
        refusal = self._read_refusal(cid)
        if refusal is not None:
            return refusal
        message = self.messages.get(request.match_info["mid"])
        if message is None or message["channel_id"] != cid:
            return self._error(404, 10008, "Unknown Message")
        return self._json(message)

    async def delete_channel(self, channel_id: str) -> None:
        """The channel is deleted (CHANNEL_DELETE on the gateway; 10003 on REST from now on)."""
        channel = self.channels.pop(channel_id)
        for thread_id in [t for t, c in self.channels.items() if c.get("parent_id") == channel_id]:
            del self.channels[thread_id]  # its threads go with it
        if self.identified.is_set():
            await self.dispatch("CHANNEL_DELETE", channel)

    def close_dms(self, name: str) -> None:
        """``name`` turned off direct messages from server members (or blocked the bot)."""
        self.dms_closed.add(self.people[name].id)

    def _denied(self, channel_id: str) -> int:
        """Permission bits the bot is denied in a channel (a thread follows its parent)."""
        channel = self.channels.get(channel_id) or {}
        if channel.get("type") == 11:
            channel = self.channels.get(channel["parent_id"]) or {}
        for overwrite in channel.get("permission_overwrites") or []:
            if overwrite["id"] == self.bot.id:
                return int(overwrite["deny"])
        return 0

    def _read_refusal(self, channel_id: str) -> web.Response | None:
        if channel_id not in self.channels and channel_id not in self.dm_channels:
            return self._error(404, 10003, "Unknown Channel")
        if self._denied(channel_id) & VIEW_CHANNEL:
            return self._error(403, 50001, "Missing Access")
        return None

    def _send_refusal(self, channel_id: str) -> web.Response | None:
        """Why Discord would refuse a new message in ``channel_id`` (None: it would post)."""
        refusal = self._read_refusal(channel_id)
        if refusal is not None:
            return refusal
        if channel_id in self.dm_channels:
            user_id = self.dm_channels[channel_id]
            person = next((p for p in self.people.values() if p.id == user_id), None)
            if user_id in self.dms_closed or person is None or person.bot:
                return self._error(403, 50007, "Cannot send messages to this user")
            return None
        thread = self.channels[channel_id].get("type") == 11
        if self._denied(channel_id) & (SEND_MESSAGES_IN_THREADS if thread else SEND_MESSAGES):
            return self._error(403, 50013, "Missing Permissions")
        return None

    def _thread_refusal(self, channel_id: str) -> web.Response | None:
        """Why Discord would refuse to open a thread on a message in ``channel_id``."""
        refusal = self._read_refusal(channel_id)
        if refusal is None and self._denied(channel_id) & CREATE_PUBLIC_THREADS:
            return self._error(403, 50013, "Missing Permissions")
        return refusal

    @staticmethod
    async def _message_body(request: web.Request) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
        """A message create's JSON, and its files when it came as multipart/form-data."""
        if not request.content_type.startswith("multipart/"):
            return await request.json(), []
        body: dict[str, Any] = {}
        files: list[tuple[str, bytes]] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            data = await part.read()
            if part.name == "payload_json":
                body = json.loads(bytes(data))
            elif (part.name or "").startswith("files["):
                files.append((part.filename or "file", bytes(data)))
        return body, files

    def _attach(self, message: dict[str, Any], files: list[tuple[str, bytes]]) -> None:
        """Record uploaded files on a message as Discord shows attachments."""
        self.attachments[message["id"]] = files
        message["attachments"] = [
            {
                "id": snowflake(),
                "filename": name,
                "size": len(data),
                "url": f"https://cdn.discordapp.com/attachments/{message['channel_id']}/{name}",
                "proxy_url": f"https://media.discordapp.net/attachments/{message['channel_id']}/{name}",
            }
            for name, data in files
        ]
