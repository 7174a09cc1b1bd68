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
so a retry must not post twice; ``message_content_allowed = False`` is the portal's
Message Content switch left off: an IDENTIFY asking for the intent is closed with
4014 "Disallowed intent(s)" (every IDENTIFY's intents are kept in ``identifies``).

Application commands live as Discord keeps them: one global list (``commands``)
and one list per guild (``guild_commands``); ``shown(guild_id)`` is what members of
that guild see in the command picker (global and guild copies side by side).

``restrict``, ``delete_channel`` and ``close_dms`` (:mod:`tests.support.fake_discord_access`)
refuse posts and DMs with Discord's codes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from tests.support.discord_events import DiscordEvents
from tests.support.discord_payloads import Person, fixture, snowflake, text_channel
from tests.support.fake_discord_rest import TOKEN, DiscordRest, Interaction

__all__ = ["TOKEN", "FakeDiscord", "Interaction"]

MESSAGE_CONTENT = 1 << 15


@dataclass
class Shard:
    ws: web.WebSocketResponse
    shard: tuple[int, int] = (0, 1)
    seq: int = 0
    intents: int = 0


class FakeDiscord(DiscordRest, DiscordEvents):
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
        self.dms_closed: set[str] = set()  # user ids whose DMs refuse the bot (50007)
        self.attachments: dict[str, list[tuple[str, bytes]]] = {}  # message id → (filename, bytes)
        self.bodies: list[dict[str, Any]] = []  # every message create's JSON, as the bot sent it
        self.interactions: dict[str, Interaction] = {}
        self.commands: list[dict[str, Any]] = []
        self.guild_commands: dict[str, list[dict[str, Any]]] = {}
        self.command_writes: list[str] = []  # "global" or a guild id, per bulk overwrite
        self.command_deletes: list[tuple[str, str]] = []  # (guild id, command id) per DELETE
        self.commands_forbidden: set[str] = set()  # guild ids whose command list answers 403 50001
        self.requests: list[tuple[str, str]] = []
        # Every JSON body that creates or edits a message (posts, DMs, interaction answers).
        self.message_bodies: list[tuple[str, dict[str, Any]]] = []
        self.shards: list[Shard] = []
        self.identified = asyncio.Event()
        self.identifies: list[int] = []  # the intents of every IDENTIFY, refused ones included
        self.message_content_allowed = True  # the portal's privileged-intent switch
        # The token IDENTIFY must carry (close 4004 otherwise); a test changes it to play a
        # token reset between the REST login and the gateway.
        self.gateway_token = TOKEN
        self.posts_per_second: float | None = None
        # Discord's documented limits, enforced when set: the global requests per second per
        # bot (interactions excepted), and message creates per channel as (count, seconds),
        # announced in X-RateLimit-* headers on every answer as Discord does.
        self.global_per_second: int | None = None
        self.channel_posts: tuple[int, float] | None = None
        self.global_limited = 0
        self._global_times: list[float] = []
        self._channel_times: dict[str, list[float]] = {}
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
                get(f"{api}/guilds/{{gid}}/members/{{uid}}", self._get_member),
                post(f"{api}/channels/{{cid}}/messages", self._create_message),
                get(f"{api}/channels/{{cid}}/messages/{{mid}}", self._get_message),
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
                delete(f"{api}/applications/{{app}}/guilds/{{gid}}/commands/{{cmd}}", self._delete_command),
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

    def shown(self, guild_id: str | None = None) -> list[str]:
        """Command names a member of the guild sees: the global ones, then the guild's own copies."""
        guild_id = guild_id or self.guild_id
        return [c["name"] for c in self.commands + self.guild_commands.get(guild_id, [])]

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
        if identify["token"] != self.gateway_token:
            await shard.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard.shard = tuple(identify.get("shard") or (0, 1))  # type: ignore[assignment]
        shard.intents = identify["intents"]
        self.identifies.append(shard.intents)
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
            # The bot's own member comes too (discord.py's guild.me): its permissions are computed.
            members=[p.member(self.moderator_role) for p in [*self.people.values(), self.bot]],
            channels=[c for c in self.channels.values() if c["type"] == 0],
        )
