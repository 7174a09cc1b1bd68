"""A fake Discord on 127.0.0.1: REST under ``/api/v10`` and a gateway websocket.

The real discord.py client talks to it unchanged (``DISCORD_API_URL`` and
``DISCORD_GATEWAY_URL`` point here). It answers what prepbot uses, the way Discord
does: login, application info, gateway (HELLO → IDENTIFY → READY → GUILD_CREATE,
heartbeats), messages with ``enforce_nonce``, threads opened on a message (the
thread's id is the message's id), interaction callbacks (a second callback for one
interaction is refused with code 40060), webhook follow-ups, DMs and application
commands. Tests then dispatch gateway events built from the JSON fixtures.

Knobs for failure modes: ``posts_per_second`` caps message creates across the guild
with real 429 answers; ``fail_after_create`` answers 500 after creating a message,
so a retry must not post twice.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.support.discord_payloads import (
    Person,
    command_options,
    fixture,
    now_iso,
    snowflake,
    text_channel,
    thread_channel,
)

TOKEN = "fake-bot-token"
MESSAGE_CONTENT = 1 << 15


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


@dataclass
class Shard:
    ws: web.WebSocketResponse
    shard: tuple[int, int] = (0, 1)
    seq: int = 0
    intents: int = 0


class FakeDiscord:
    """The fake server; ``await fake.start()``, then point the client at ``api_url``/``gateway_url``."""

    def __init__(self, *, shards: int = 1, channels: int = 1) -> None:
        self.app_id = snowflake()
        self.bot = Person(self.app_id, "prepbot", bot=True)
        self.guild_id = snowflake()
        self.moderator_role = snowflake()
        self.people = {
            name: Person(snowflake(), name, admin=name == "dana")
            for name in ("alice", "bob", "carol", "dana")
        }
        self.channels: dict[str, dict[str, Any]] = {}
        for n in range(channels):
            cid = snowflake()
            self.channels[cid] = text_channel(cid, self.guild_id, "general" if n == 0 else f"team-{n}", n)
        self.general = next(iter(self.channels))
        self.shard_count = shards
        self.messages: dict[str, dict[str, Any]] = {}
        self.visible_to: dict[str, str] = {}  # ephemeral or DM message id → user id
        self.deleted: set[str] = set()
        self.dm_channels: dict[str, str] = {}  # channel id → user id
        self.interactions: dict[str, Interaction] = {}
        self.commands: list[dict[str, Any]] = []
        self.guild_commands: dict[str, list[dict[str, Any]]] = {}
        self.command_writes: list[str] = []  # "global" or a guild id, per bulk overwrite
        self.requests: list[tuple[str, str]] = []
        self.shards: list[Shard] = []
        self.identified = asyncio.Event()
        self.message_content_allowed = True  # the portal's privileged-intent switch
        self.posts_per_second: float | None = None
        self.fail_after_create = 0
        self.rate_limited = 0
        self._post_times: list[float] = []
        self._nonces: dict[str, str] = {}
        self._last_request = time.monotonic()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------
    async def start(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._log_and_auth])
        api = "/api/v10"
        get, post, patch, put, delete = web.get, web.post, web.patch, web.put, web.delete
        app.add_routes(
            [
                get("/gateway", self._gateway_socket),
                get(f"{api}/gateway", self._gateway_url_answer),
                get(f"{api}/gateway/bot", self._gateway_bot),
                get(f"{api}/users/@me", self._me),
                get(f"{api}/applications/@me", self._application),
                get(f"{api}/oauth2/applications/@me", self._application),
                post(f"{api}/users/@me/channels", self._open_dm),
                get(f"{api}/channels/{{cid}}", self._get_channel),
                post(f"{api}/channels/{{cid}}/messages", self._create_message),
                patch(f"{api}/channels/{{cid}}/messages/{{mid}}", self._edit_message),
                post(f"{api}/channels/{{cid}}/messages/{{mid}}/threads", self._create_thread),
                post(f"{api}/interactions/{{iid}}/{{token}}/callback", self._callback),
                post(f"{api}/webhooks/{{app}}/{{token}}", self._followup),
                patch(f"{api}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._edit_webhook_message),
                delete(f"{api}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._delete_webhook_message),
                get(f"{api}/applications/{{app}}/commands", self._list_commands),
                put(f"{api}/applications/{{app}}/commands", self._put_commands),
                get(f"{api}/applications/{{app}}/guilds/{{gid}}/commands", self._list_commands),
                put(f"{api}/applications/{{app}}/guilds/{{gid}}/commands", self._put_commands),
            ]
        )
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        for shard in self.shards:
            await shard.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # --- what tests read ---------------------------------------------------
    def posts(self, channel_id: str | None = None) -> list[dict[str, Any]]:
        """Public messages the bot sent to a channel (not threads, not ephemeral, not DMs)."""
        channel_id = channel_id or self.general
        return [
            m
            for mid, m in self.messages.items()
            if m["channel_id"] == channel_id and mid not in self.visible_to and mid not in self.deleted
        ]

    def thread_posts(self, thread_id: str) -> list[dict[str, Any]]:
        """What the bot posted in a thread for everyone (a thread's id is its starter message's id)."""
        return self.posts(thread_id)

    def whispers(self, name: str) -> list[dict[str, Any]]:
        """What only ``name`` sees: ephemeral answers and follow-ups, and DMs."""
        uid = self.people[name].id
        return [
            m
            for mid, m in self.messages.items()
            if self.visible_to.get(mid) == uid and mid not in self.deleted and not m["flags"] & 128  # loading
        ]

    def threads(self) -> dict[str, dict[str, Any]]:
        return {cid: c for cid, c in self.channels.items() if c["type"] == 11}

    async def until(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until ``predicate()`` is truthy and return it."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for the bot")
            await asyncio.sleep(0.01)

    async def quiet(self, seconds: float = 0.3) -> None:
        """Wait until no request has arrived for ``seconds``."""
        while time.monotonic() - self._last_request < seconds:
            await asyncio.sleep(0.05)

    # --- gateway -----------------------------------------------------------
    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send one DISPATCH to the shard that holds the fake guild."""
        await self.identified.wait()
        shard = self._shard_for(self.guild_id)
        shard.seq += 1
        await shard.ws.send_json({"op": 0, "t": event, "s": shard.seq, "d": data})

    def _shard_for(self, guild_id: str) -> Shard:
        index = (int(guild_id) >> 22) % self.shard_count
        return next(s for s in self.shards if s.shard[0] == index)

    async def _gateway_socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        shard = Shard(ws)
        await ws.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                break
            frame = json.loads(msg.data)
            if frame["op"] == 1:
                await ws.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif frame["op"] == 2:
                await self._identify(shard, frame["d"])
            elif frame["op"] == 6:
                shard.seq += 1
                await ws.send_json({"op": 0, "t": "RESUMED", "s": shard.seq, "d": {}})
                self.shards.append(shard)
        if shard in self.shards:
            self.shards.remove(shard)
        return ws

    async def _identify(self, shard: Shard, identify: dict[str, Any]) -> None:
        if identify["token"] != TOKEN:
            await shard.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard.shard = tuple(identify.get("shard") or (0, 1))  # type: ignore[assignment]
        shard.intents = identify["intents"]
        if shard.intents & MESSAGE_CONTENT and not self.message_content_allowed:
            await shard.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        mine = (int(self.guild_id) >> 22) % shard.shard[1] == shard.shard[0]
        ready = fixture(
            "ready",
            bot_user=self.bot.user(),
            unavailable_guilds=[{"id": self.guild_id, "unavailable": True}] if mine else [],
            session_id=snowflake(),
            gateway_url=self.gateway_url,
            shard=list(shard.shard),
            application_id=self.app_id,
        )
        self.shards.append(shard)
        shard.seq += 1
        await shard.ws.send_json({"op": 0, "t": "READY", "s": shard.seq, "d": ready})
        if mine:
            shard.seq += 1
            await shard.ws.send_json(
                {"op": 0, "t": "GUILD_CREATE", "s": shard.seq, "d": self.guild_payload()}
            )
        if len(self.shards) >= self.shard_count:
            self.identified.set()

    def guild_payload(self) -> dict[str, Any]:
        return fixture(
            "guild_create",
            guild_id=self.guild_id,
            guild_name="Prep Club",
            owner_id=self.people["dana"].id,
            moderator_role_id=self.moderator_role,
            member_count=len(self.people) + 1,
            members=[p.member(self.moderator_role) for p in self.people.values()],
            channels=[c for c in self.channels.values() if c["type"] == 0],
        )

    # --- events tests send -------------------------------------------------
    def _interaction(self, kind: str, name: str, channel_id: str | None, **values: Any) -> dict[str, Any]:
        channel_id = channel_id or self.general
        person = self.people[name]
        payload = fixture(
            kind,
            interaction_id=snowflake(),
            application_id=self.app_id,
            token=f"itoken-{snowflake()}",
            guild_id=self.guild_id,
            channel_id=channel_id,
            channel=self.channels[channel_id],
            member=person.member(self.moderator_role),
            **values,
        )
        self.interactions[payload["id"]] = Interaction(payload)
        return payload

    def command(self, name: str, sub: str, channel_id: str | None = None, **options: Any) -> dict[str, Any]:
        """INTERACTION_CREATE for ``/prep <sub> option:value…`` typed by ``name``."""
        return self._interaction(
            "interaction_command",
            name,
            channel_id,
            command_id=self._command_id(),
            options=command_options(sub, options),
        )

    def autocomplete(self, name: str, sub: str, focused: str, **options: Any) -> dict[str, Any]:
        return self._interaction(
            "interaction_autocomplete",
            name,
            None,
            command_id=self._command_id(),
            options=command_options(sub, options, focused=focused),
        )

    def click(self, name: str, message: dict[str, Any], custom_id: str) -> dict[str, Any]:
        """INTERACTION_CREATE for ``name`` pressing the button ``custom_id`` on ``message``."""
        return self._interaction(
            "interaction_component",
            name,
            message["channel_id"],
            message=message,
            custom_id=custom_id,
            component_type=2,
            values=[],
        )

    def submit(self, name: str, message: dict[str, Any], modal: dict[str, Any], value: str) -> dict[str, Any]:
        """INTERACTION_CREATE for ``name`` submitting ``modal`` (a type-9 callback's data)."""
        from tests.support.discord_payloads import text_inputs

        return self._interaction(
            "interaction_modal_submit",
            name,
            message["channel_id"],
            message=message,
            custom_id=modal["custom_id"],
            field_id=text_inputs(modal)[0]["custom_id"],
            value=value,
        )

    def member_message(self, name: str, channel_id: str, content: str) -> dict[str, Any]:
        """MESSAGE_CREATE for ``name`` writing ``content`` in a channel or a thread."""
        person = self.people[name]
        return fixture(
            "message_create",
            message_id=snowflake(),
            channel_id=channel_id,
            guild_id=self.guild_id,
            user=person.user(),
            partial_member=person.partial_member(self.moderator_role),
            content=content,
            timestamp=now_iso(),
            nonce=snowflake(),
        )

    def edited(self, message: dict[str, Any], content: str) -> dict[str, Any]:
        name = next(n for n, p in self.people.items() if p.id == message["author"]["id"])
        person = self.people[name]
        return fixture(
            "message_update",
            message_id=message["id"],
            channel_id=message["channel_id"],
            guild_id=self.guild_id,
            user=person.user(),
            partial_member=person.partial_member(self.moderator_role),
            content=content,
            timestamp=message["timestamp"],
            edited_timestamp=now_iso(),
        )

    def deleted_event(self, message: dict[str, Any]) -> dict[str, Any]:
        return fixture(
            "message_delete",
            message_id=message["id"],
            channel_id=message["channel_id"],
            guild_id=self.guild_id,
        )

    def _command_id(self) -> str:
        return self.commands[0]["id"] if self.commands else snowflake()

    # --- REST --------------------------------------------------------------
    @web.middleware
    async def _log_and_auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self._last_request = time.monotonic()
        self.requests.append((request.method, request.path))
        needs_auth = request.path.startswith("/api/") and not request.path.startswith(
            ("/api/v10/interactions/", "/api/v10/webhooks/")
        )
        if needs_auth and request.headers.get("Authorization") != f"Bot {TOKEN}":
            return self._json({"message": "401: Unauthorized", "code": 0}, status=401)
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
        cid = next((c for c, u in self.dm_channels.items() if u == uid), None) or snowflake()
        self.dm_channels[cid] = uid
        user = next(p.user() for p in self.people.values() if p.id == uid)
        return self._json({"id": cid, "type": 1, "recipients": [user], "last_message_id": None, "flags": 0})

    async def _get_channel(self, request: web.Request) -> web.Response:
        channel = self.channels.get(request.match_info["cid"])
        if channel is None:
            return self._error(404, 10003, "Unknown Channel")
        return self._json(channel)

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

    def _throttled(self) -> web.Response | None:
        """A 429 like Discord's when more than ``posts_per_second`` creates came in the last second."""
        if self.posts_per_second is None:
            return None
        now = time.monotonic()
        self._post_times = [t for t in self._post_times if now - t < 1.0]
        if len(self._post_times) < self.posts_per_second:
            self._post_times.append(now)
            return None
        self.rate_limited += 1
        retry_after = round(max(0.05, 1.0 - (now - self._post_times[0])), 3)
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": str(int(self.posts_per_second)),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(retry_after),
            "X-RateLimit-Bucket": "fake-guild-posts",
            "X-RateLimit-Scope": "shared",
        }
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
        return self._json(body, status=429, headers=headers)

    async def _create_message(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        if cid not in self.channels and cid not in self.dm_channels:
            return self._error(404, 10003, "Unknown Channel")
        body = await request.json()
        nonce = body.get("nonce")
        if nonce and body.get("enforce_nonce") and nonce in self._nonces:
            return self._json(self.messages[self._nonces[nonce]])  # Discord returns the first message
        throttled = self._throttled()
        if throttled is not None:
            return throttled
        message = self._new_message(cid, body, nonce=nonce)
        if nonce:
            self._nonces[nonce] = message["id"]
        if cid in self.dm_channels:
            self.visible_to[message["id"]] = self.dm_channels[cid]
        else:
            await self.dispatch("MESSAGE_CREATE", message)  # Discord echoes the bot's own posts
        if self.fail_after_create:
            self.fail_after_create -= 1
            return self._error(500, 0, "500: Internal Server Error")  # created, but the answer is lost
        return self._json(message)

    async def _edit_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(request.match_info["mid"])
        if message is None or message["channel_id"] != request.match_info["cid"]:
            return self._error(404, 10008, "Unknown Message")
        body = await request.json()
        message.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        message["edited_timestamp"] = now_iso()
        return self._json(message)

    async def _create_thread(self, request: web.Request) -> web.Response:
        cid, mid = request.match_info["cid"], request.match_info["mid"]
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
