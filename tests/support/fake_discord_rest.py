"""The fake Discord's REST API: messages, threads, DMs, interactions, follow-ups and commands.

Answers the way Discord does: exact ``application/json`` bodies, 429s with
``retry_after`` and ``Via`` (discord.py treats a 429 without it as a Cloudflare ban),
``enforce_nonce`` returning the first message, 40060 for a second callback, and
a thread created on a message taking that message's id.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.discord_payloads import now_iso, snowflake, thread_channel
from tests.support.fake_discord_access import DiscordAccess
from tests.support.fake_discord_limits import DiscordLimits

TOKEN = "fake-bot-token"
# A body with any of these creates or edits a message (an interaction callback nests them in "data").
MESSAGE_FIELDS = {"content", "embeds", "components"}


def _writes_message(body: Any) -> bool:
    """Whether a JSON body creates or edits a message (a callback carries the message in ``data``)."""
    if not isinstance(body, dict):
        return False
    fields = body.get("data") if "type" in body and isinstance(body.get("data"), dict) else body
    return bool(MESSAGE_FIELDS & set(fields))


@dataclass
class Interaction:
    """One interaction the fake dispatched, and every answer the bot gave to it."""

    payload: dict[str, Any]
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)

    @property
    def user_id(self) -> str:
        return str(self.payload["member"]["user"]["id"])


class DiscordRest(DiscordAccess, DiscordLimits):
    """REST handlers of :class:`tests.support.fake_discord.FakeDiscord` (state lives there)."""

    # Declared here, set by FakeDiscord.__init__.
    app_id: str
    guild_id: str
    messages: dict[str, dict[str, Any]]
    channels: dict[str, dict[str, Any]]
    interactions: dict[str, Interaction]
    message_bodies: list[tuple[str, dict[str, Any]]]

    @web.middleware
    async def _log_and_auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self._last_request = time.monotonic()
        self.requests.append((request.method, request.path))
        needs_auth = request.path.startswith("/api/") and not request.path.startswith(
            ("/api/v10/interactions/", "/api/v10/webhooks/")
        )
        if needs_auth and request.headers.get("Authorization") != f"Bot {TOKEN}":
            return self._json({"message": "401: Unauthorized", "code": 0}, status=401)
        if needs_auth and request.path.startswith("/api/"):
            refused = self._over_global()
            if refused is not None:
                return refused
        if request.method in ("POST", "PATCH") and request.content_type == "application/json":
            body = await request.json()  # aiohttp keeps the body for the handler
            if _writes_message(body):
                self.message_bodies.append((request.path, body))
        response: web.StreamResponse = await handler(request)
        return response

    @staticmethod
    def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # Discord's exact content type: discord.py parses JSON only for "application/json".
        body = json.dumps(data).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        return web.Response(body=body, status=status, headers=all_headers)

    def _error(self, status: int, code: int, message: str) -> web.Response:
        return self._json({"message": message, "code": code}, status=status)

    async def _me(self, request: web.Request) -> web.Response:
        return self._json(self.bot.user())

    async def _gateway_url_answer(self, request: web.Request) -> web.Response:
        return self._json({"url": self.gateway_url})

    async def _gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return self._json({"url": self.gateway_url, "shards": self.shard_count, "session_start_limit": limit})

    async def _application(self, request: web.Request) -> web.Response:
        owner = self.people["dana"].user()
        return self._json(
            {
                "id": self.app_id,
                "name": "prepbot",
                "icon": None,
                "description": "Interview prep for teams",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": owner,
                "verify_key": "0" * 64,
                "team": None,
                "flags": 8953856,
                "bot": self.bot.user(),
            }
        )

    async def _open_dm(self, request: web.Request) -> web.Response:
        body = await request.json()
        uid = str(body["recipient_id"])
        person = next((p for p in self.people.values() if p.id == uid), None)
        if person is None:
            return self._error(404, 10013, "Unknown User")
        # Discord opens the channel even when the member's DMs are closed; sending in it fails.
        cid = next((c for c, u in self.dm_channels.items() if u == uid), None) or snowflake()
        self.dm_channels[cid] = uid
        dm = {"id": cid, "type": 1, "recipients": [person.user()], "last_message_id": None, "flags": 0}
        return self._json(dm)

    async def _get_channel(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        refusal = self._read_refusal(cid)
        if refusal is not None:
            return refusal
        return self._json(self.channels.get(cid) or {"id": cid, "type": 1})

    def _new_message(self, channel_id: str, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
        message = {
            "id": snowflake(),
            "channel_id": channel_id,
            "author": self.bot.user(),
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "type": 0,
            "flags": body.get("flags") or 0,
            **extra,
        }
        if channel_id in self.channels:
            message["guild_id"] = self.guild_id
        self.messages[message["id"]] = message
        return message

    async def _create_message(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        refusal = self._send_refusal(cid)
        if refusal is not None:
            return refusal
        body, files = await self._message_body(request)
        self.bodies.append(body)
        nonce = body.get("nonce")
        if nonce and body.get("enforce_nonce") and nonce in self._nonces:
            return self._json(self.messages[self._nonces[nonce]])  # Discord returns the first message
        throttled = self._throttled()
        if throttled is not None:
            return throttled
        refused, bucket = self._channel_bucket(cid)
        if refused is not None:
            return refused
        message = self._new_message(cid, body, nonce=nonce)
        if files:
            self._attach(message, files)
        if nonce:
            self._nonces[nonce] = message["id"]
        if cid in self.dm_channels:
            self.visible_to[message["id"]] = self.dm_channels[cid]
        else:
            await self.dispatch("MESSAGE_CREATE", message)  # Discord echoes the bot's own posts
        if self.fail_after_create:
            self.fail_after_create -= 1
            return self._error(500, 0, "500: Internal Server Error")  # created, but the answer is lost
        return self._json(message, headers=bucket)

    async def _edit_message(self, request: web.Request) -> web.Response:
        refusal = self._read_refusal(request.match_info["cid"])
        if refusal is not None:
            return refusal
        message = self.messages.get(request.match_info["mid"])
        if message is None or message["channel_id"] != request.match_info["cid"]:
            return self._error(404, 10008, "Unknown Message")
        body = await request.json()
        message.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        message["edited_timestamp"] = now_iso()
        return self._json(message)

    async def _create_thread(self, request: web.Request) -> web.Response:
        cid, mid = request.match_info["cid"], request.match_info["mid"]
        refusal = self._thread_refusal(cid)
        if refusal is not None:
            return refusal
        message = self.messages.get(mid)
        if message is None or message["channel_id"] != cid:
            return self._error(404, 10008, "Unknown Message")
        if mid in self.channels:
            return self._error(400, 160004, "A thread has already been created for this message")
        body = await request.json()
        thread = thread_channel(mid, self.channels[cid], body["name"], self.bot.id)
        self.channels[mid] = thread
        message["thread"] = thread
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return self._json(thread, status=201)

    # --- interactions ------------------------------------------------------
    async def _callback(self, request: web.Request) -> web.Response:
        interaction = self.interactions.get(request.match_info["iid"])
        if interaction is None or interaction.payload["token"] != request.match_info["token"]:
            return self._error(404, 10062, "Unknown interaction")
        if interaction.callbacks:
            interaction.rejected += 1
            return self._error(400, 40060, "Interaction has already been acknowledged.")
        body = await request.json()
        interaction.callbacks.append(body)
        kind, data = body["type"], body.get("data") or {}
        ephemeral = bool(data.get("flags", 0) & 64)
        answer: dict[str, Any] = {
            "interaction": {
                "id": interaction.payload["id"],
                "type": interaction.payload["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": ephemeral,
            }
        }
        if kind in (4, 5):
            message = self._new_message(interaction.payload["channel_id"], data)
            if kind == 5:
                message["flags"] |= 128  # LOADING
            interaction.original = message
            if ephemeral:
                self.visible_to[message["id"]] = interaction.user_id
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"] = {"type": kind, "message": message}
        elif kind == 7:
            target = self.messages[interaction.payload["message"]["id"]]
            target.update({k: v for k, v in data.items() if k in ("content", "embeds", "components")})
        return self._json(answer)

    def _by_token(self, token: str) -> Interaction | None:
        return next((i for i in self.interactions.values() if i.payload["token"] == token), None)

    async def _followup(self, request: web.Request) -> web.Response:
        interaction = self._by_token(request.match_info["token"])
        if interaction is None or not interaction.callbacks:
            return self._error(404, 10015, "Unknown Webhook")
        body = await request.json()
        message = self._new_message(
            interaction.payload["channel_id"], body, webhook_id=self.app_id, application_id=self.app_id
        )
        if message["flags"] & 64:
            self.visible_to[message["id"]] = interaction.user_id
        interaction.followups.append(message)
        return self._json(message)

    def _webhook_target(self, request: web.Request) -> tuple[Interaction | None, dict[str, Any] | None]:
        interaction = self._by_token(request.match_info["token"])
        if interaction is None:
            return None, None
        mid = request.match_info["mid"]
        if mid == "@original":
            if interaction.original is None and interaction.payload.get("message"):
                return interaction, self.messages.get(interaction.payload["message"]["id"])
            return interaction, interaction.original
        return interaction, self.messages.get(mid)

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        interaction, message = self._webhook_target(request)
        if interaction is None or message is None:
            return self._error(404, 10008, "Unknown Message")
        body = await request.json()
        message.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        message["flags"] &= ~128
        return self._json(message)

    async def _delete_webhook_message(self, request: web.Request) -> web.Response:
        interaction, message = self._webhook_target(request)
        if interaction is None or message is None:
            return self._error(404, 10008, "Unknown Message")
        self.deleted.add(message["id"])
        return web.Response(status=204)

    # --- application commands ----------------------------------------------
    def _command_list(self, request: web.Request) -> list[dict[str, Any]]:
        gid = request.match_info.get("gid")
        return self.commands if gid is None else self.guild_commands.setdefault(gid, [])

    async def _list_commands(self, request: web.Request) -> web.Response:
        if request.match_info.get("gid") in self.commands_forbidden:
            return self._error(403, 50001, "Missing Access")  # the bot lost access to that guild
        return self._json(self._command_list(request))

    async def _put_commands(self, request: web.Request) -> web.Response:
        gid = request.match_info.get("gid")
        stored = []
        for command in await request.json():
            # Discord stores what it was sent, adds ids and drops empty optional fields.
            clean = {k: v for k, v in command.items() if v is not None}
            clean.update(id=snowflake(), application_id=self.app_id, version=snowflake())
            clean.pop("dm_permission", None)
            stored.append(clean)
        if gid is None:
            self.commands = stored
        else:
            self.guild_commands[gid] = stored
        self.command_writes.append(gid or "global")
        return self._json(stored)

    async def _delete_command(self, request: web.Request) -> web.Response:
        gid, cmd = request.match_info["gid"], request.match_info["cmd"]
        held = self.guild_commands.get(gid, [])
        if not any(c["id"] == cmd for c in held):
            return self._error(404, 10063, "Unknown application command")
        self.guild_commands[gid] = [c for c in held if c["id"] != cmd]
        self.command_deletes.append((gid, cmd))
        return web.Response(status=204)
