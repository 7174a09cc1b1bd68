"""A local Slack for end-to-end tests: the Web API prepbot calls, and the sender of signed requests.

The Web API side answers like Slack (``ok``, ``ts``, ``channel``; ``429`` with
``Retry-After`` past a per-workspace post rate) and records every call; it also
serves Socket Mode's WebSocket. The sending side (:mod:`tests.support.slack_wire`)
builds requests in the shapes Slack documents and signs them as Slack does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

from adapters.slack.app import SlackApp
from adapters.slack.port import make_client
from adapters.slack.server import build_web_app
from adapters.web import listening
from bot.features import build_bot
from bot.router import Prepbot
from bot.services.context import ServiceContext
from tests.support.slack_wire import BOT_ID, BOT_USER, TEAM, ApiCall, SlackSender, fixture

__all__ = [
    "BOT_ID",
    "BOT_USER",
    "TEAM",
    "ApiCall",
    "FakeSlack",
    "buttons",
    "fixture",
    "slack_app_on",
    "text_of",
]


@dataclass
class SlackUser:
    id: str
    name: str
    is_admin: bool = False
    is_owner: bool = False


@dataclass
class FakeSlack(SlackSender):
    """Slack's side of the wire; ``async with FakeSlack(...) as slack`` starts it on 127.0.0.1."""

    signing_secret: str = "test-signing-secret"
    posts_per_second: float | None = None
    retry_after: int = 1
    users: dict[str, SlackUser] = field(default_factory=dict)
    # Channels where chat.postEphemeral fails as when the bot is not a member.
    ephemeral_fails_in: set[str] = field(default_factory=set)
    # views.open answers this error instead of opening the modal (e.g. "expired_trigger_id").
    views_open_error: str | None = None
    # Seconds each Web API method takes to answer (a slow Slack).
    delays: dict[str, float] = field(default_factory=dict)
    calls: list[ApiCall] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    app_url: str = ""

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._window: dict[str, deque[float]] = defaultdict(deque)
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self.port = 0
        # Socket Mode: the app's open WebSocket, and the acks it sent back.
        self.socket: web.WebSocketResponse | None = None
        self.socket_acks: list[dict[str, Any]] = []

    # --- lifecycle ------------------------------------------------------------
    async def __aenter__(self) -> FakeSlack:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk GETs users.info
        app.router.add_post("/respond/{key}", self._respond)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._http = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{uuid.uuid4().hex}"

    def add_user(self, user_id: str, name: str, *, admin: bool = False) -> None:
        self.users[user_id] = SlackUser(user_id, name, is_admin=admin)

    # --- the Web API ----------------------------------------------------------
    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.read()
        if request.content_type == "application/json":
            args = json.loads(raw or b"{}")
        else:
            args = dict(request.query) | dict(parse_qsl(raw.decode()))
            for key in ("blocks", "view"):
                if isinstance(args.get(key), str):
                    args[key] = json.loads(args[key])
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.delays.get(method):
            await asyncio.sleep(self.delays[method])
        if method == "chat.postMessage" and self._over_rate(token):
            self.calls.append(ApiCall(method, args, status=429))
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(self.retry_after)},
            )
        result = self._answer(method, args)
        self.calls.append(ApiCall(method, args, result=result))
        return web.json_response(result)

    def _over_rate(self, workspace: str) -> bool:
        if self.posts_per_second is None:
            return False
        now = time.monotonic()
        window = self._window[workspace]
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.posts_per_second:
            return True
        window.append(now)
        return False

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {"ok": True, "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "team": "Prep"}
        if method == "conversations.history":
            posted = [
                c
                for c in self.calls
                if c.method == "chat.postMessage"
                and c.get("channel") == args.get("channel")
                and c.result.get("ok")
            ]
            return {
                "ok": True,
                "messages": [self._as_history(c) for c in reversed(posted)],
                "has_more": False,
            }
        if method in ("chat.postMessage", "chat.update"):
            ts = args.get("ts") or self._next_ts()
            return {
                "ok": True,
                "channel": args.get("channel"),
                "ts": ts,
                "message": {"text": args.get("text")},
            }
        if method == "chat.postEphemeral" and args.get("channel") in self.ephemeral_fails_in:
            return {"ok": False, "error": "channel_not_found"}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {
                "ok": True,
                "user": {
                    "id": user.id,
                    "team_id": TEAM,
                    "name": user.name,
                    "real_name": user.name.title(),
                    "is_admin": user.is_admin,
                    "is_owner": user.is_owner,
                    "profile": {"display_name": user.name, "real_name": user.name.title()},
                },
            }
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "")).removeprefix("U")}}
        if method == "views.open":
            return self._open_view(args)
        if method == "views.publish":
            return {"ok": True, "view": {"id": "V1", **(args.get("view") or {})}}
        return {"ok": False, "error": "unknown_method"}

    def _open_view(self, args: dict[str, Any]) -> dict[str, Any]:
        """views.open as Slack answers it: a trigger, and a modal within Block Kit's limits."""
        view = args.get("view")
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        if self.views_open_error:
            return {"ok": False, "error": self.views_open_error}
        if not isinstance(view, dict) or view.get("type") != "modal":
            return {"ok": False, "error": "invalid_arguments"}
        texts = [(view.get(k) or {}).get("text", "") for k in ("title", "submit", "close")]
        inputs = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
        if (
            not texts[0]
            or any(len(t) > 24 for t in texts)
            or len(str(view.get("private_metadata") or "")) > 3000
            or any(len(b["label"]["text"]) > 2000 for b in inputs)
        ):
            return {"ok": False, "error": "invalid_arguments"}
        view_id = f"V{uuid.uuid4().hex[:10].upper()}"
        return {"ok": True, "view": {**view, "id": view_id, "team_id": TEAM, "state": {"values": {}}}}

    def _as_history(self, call: ApiCall) -> dict[str, Any]:
        """A posted message as conversations.history shows it (metadata included when asked)."""
        message = {"type": "message", "ts": call.ts, "text": call.get("text", "")}
        metadata = call.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        if metadata:
            message["metadata"] = metadata
        return message

    async def _respond(self, request: web.Request) -> web.Response:
        self.responses.append({"url": str(request.url), **json.loads(await request.read())})
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.socket = ws
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                self.socket_acks.append(json.loads(message.data))
        return ws

    async def send_envelope(self, kind: str, payload: dict[str, Any], *, retry: int = 0) -> str:
        """Send a Socket Mode envelope (``slash_commands``, ``interactive``, ``events_api``)."""
        assert self.socket is not None, "the app has not connected over Socket Mode"
        envelope_id = uuid.uuid4().hex
        await self.socket.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": retry,
                "retry_reason": "timeout" if retry else "",
            }
        )
        return envelope_id

    # --- what tests look at ---------------------------------------------------
    def sent(self, method: str, **match: Any) -> list[ApiCall]:
        """Successful calls of ``method`` whose arguments include ``match``."""
        return [
            c
            for c in self.calls
            if c.method == method and c.status == 200 and all(c.args.get(k) == v for k, v in match.items())
        ]

    async def wait_for(self, check: Callable[[], Any], timeout: float = 8.0) -> Any:
        """Poll until ``check()`` is truthy; return its value (fail after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting; calls so far: {[c.method for c in self.calls]}")
            await asyncio.sleep(0.02)

    def new_ts(self) -> str:
        return self._next_ts()


def buttons(call: ApiCall) -> list[dict[str, Any]]:
    """The button elements of a message the bot sent, in order."""
    found: list[dict[str, Any]] = []
    for block in call.args.get("blocks") or []:
        if block.get("type") == "actions":
            found.extend(e for e in block["elements"] if e.get("type") == "button")
    return found


def text_of(call: ApiCall) -> str:
    """A sent message's fallback text and every text in its blocks."""
    parts = [str(call.args.get("text") or "")]
    for block in call.args.get("blocks") or []:
        if block.get("text"):
            parts.append(block["text"]["text"])
        for element in block.get("elements") or []:
            if isinstance(element.get("text"), str):
                parts.append(element["text"])
            elif isinstance(element.get("text"), dict):
                parts.append(element["text"]["text"])
    return "\n".join(parts)


@asynccontextmanager
async def slack_app_on(
    ctx: ServiceContext, slack: FakeSlack, bot: Prepbot | None = None
) -> AsyncIterator[SlackApp]:
    """prepbot's real HTTP listener on a free loopback port, its Web API pointed at ``slack``."""
    bot = bot or build_bot(ctx)
    app = SlackApp(bot, make_client("xoxb-test-token", slack.api_url))
    await app.identity()  # as serve does at start
    web_app = build_web_app(bot, app, slack.signing_secret)
    async with listening(web_app, "127.0.0.1", 0) as port:
        slack.app_url = f"http://127.0.0.1:{port}/slack/events"
        try:
            yield app
        finally:
            await app.idle()
