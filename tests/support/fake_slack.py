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
from adapters.slack.http import events_route
from adapters.slack.port import make_client
from adapters.web import listening
from bot.features import build_bot
from bot.router import Prepbot
from bot.services.context import ServiceContext
from host.web import web_app
from tests.support.fake_slack_files import UploadedFile
from tests.support.fake_slack_oauth import OAuthState, SlackOAuthApi
from tests.support.fake_slack_web import (
    SlackChannel,
    SlackUser,
    SlackWebApi,
    manifest_messages_tab,
    manifest_scopes,
)
from tests.support.slack_wire import BOT_ID, BOT_USER, TEAM, ApiCall, SlackSender, fixture

__all__ = [
    "BOT_ID",
    "BOT_USER",
    "TEAM",
    "ApiCall",
    "FakeSlack",
    "SlackChannel",
    "SlackUser",
    "UploadedFile",
    "buttons",
    "fixture",
    "slack_app_on",
    "text_of",
]


@dataclass
class FakeSlack(SlackOAuthApi, SlackWebApi, SlackSender):
    """Slack's side of the wire; ``async with FakeSlack(...) as slack`` starts it on 127.0.0.1."""

    signing_secret: str = "test-signing-secret"
    posts_per_second: float | None = None
    retry_after: int = 1
    # Slack's documented limits, enforced when set: chat.postMessage per channel as
    # (posts, seconds), and other methods per workspace as method -> (calls, seconds).
    channel_posts: tuple[int, float] | None = None
    method_limits: dict[str, tuple[int, float]] = field(default_factory=dict)
    users: dict[str, SlackUser] = field(default_factory=dict)
    removed_users: set[str] = field(default_factory=set)  # conversations.open: user_not_found
    channels: dict[str, SlackChannel] = field(default_factory=dict)
    dms: dict[str, str] = field(default_factory=dict)  # DM channel id -> member id
    files: dict[str, UploadedFile] = field(default_factory=dict)
    # What the install granted: the manifest's bot scopes unless a test says otherwise.
    scopes: set[str] = field(default_factory=manifest_scopes)
    # App Home → Messages tab, as the manifest sets it; off: DMs answer messages_tab_disabled.
    messages_tab_enabled: bool = field(default_factory=manifest_messages_tab)
    # views.open answers this error instead of opening the modal (e.g. "expired_trigger_id").
    views_open_error: str | None = None
    # Seconds each Web API method takes to answer (a slow Slack).
    delays: dict[str, float] = field(default_factory=dict)
    # The bot tokens Slack knows; any other gets ``invalid_auth`` from every method (None: any token).
    valid_tokens: set[str] | None = None
    calls: list[ApiCall] = field(default_factory=list)
    # OAuth installs and their tokens (tests.support.fake_slack_oauth); unused in one-token tests.
    oauth: OAuthState = field(default_factory=OAuthState)
    responses: list[dict[str, Any]] = field(default_factory=list)
    app_url: str = ""

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._file_ids = itertools.count(1)
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
        app.router.add_post("/upload/v1/{file_id}", self._upload)
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

    def add_user(
        self, user_id: str, name: str, *, admin: bool = False, tz: str = "America/Los_Angeles", **state: bool
    ) -> SlackUser:
        """Register a member (``deleted`` for a deactivated account, ``is_bot`` for a bot user)."""
        self.users[user_id] = SlackUser(user_id, name, is_admin=admin, tz=tz, **state)
        return self.users[user_id]

    def remove_user(self, user_id: str) -> None:
        """A member Slack no longer knows at all (user_not_found)."""
        self.users.pop(user_id, None)
        self.removed_users.add(user_id)

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
        if self.delays.get(method):
            await asyncio.sleep(self.delays[method])
        # No await from here to the answer: the call's credentials are the fake's until then.
        token = self.credentials(request.headers.get("Authorization", ""))
        if refused := self.token_refusal(method):
            self.calls.append(ApiCall(method, args, result=refused, token=token))
            return web.json_response(refused)
        if self.valid_tokens is not None and token not in self.valid_tokens:
            # Slack answers 200 with ok false: ``not_authed`` without a token, else ``invalid_auth``.
            refused = {"ok": False, "error": "invalid_auth" if token else "not_authed"}
            self.calls.append(ApiCall(method, args, result=refused, token=token))
            return web.json_response(refused)
        if self._limited(method, token, str(args.get("channel", ""))):
            self.calls.append(ApiCall(method, args, status=429, token=token))
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(self.retry_after)},
            )
        result = self.answer(method, args)
        self.calls.append(ApiCall(method, args, result=result, token=token))
        return web.json_response(result)

    def _limited(self, method: str, workspace: str, channel: str) -> bool:
        """Whether Slack would refuse this call (429); an accepted one is counted in its windows."""
        windows: list[tuple[str, float, float]] = []
        if method == "chat.postMessage":
            if self.posts_per_second is not None:
                windows.append((workspace, self.posts_per_second, 1.0))
            if self.channel_posts is not None:
                windows.append((f"{workspace}/{channel}", *self.channel_posts))
        elif method in self.method_limits:
            windows.append((f"{workspace}:{method}", *self.method_limits[method]))
        now = time.monotonic()
        for key, calls, period in windows:
            window = self._window[key]
            while window and now - window[0] >= period:
                window.popleft()
            if len(window) >= calls:
                return True
        for key, _, _ in windows:
            self._window[key].append(now)
        return False

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
        """Successful calls of ``method`` (Slack answered ``ok``) whose arguments include ``match``."""
        return [c for c in self._matching(method, match) if c.status == 200 and c.result.get("ok")]

    def refused(self, method: str, **match: Any) -> list[ApiCall]:
        """Calls of ``method`` Slack answered with an error other than a rate limit."""
        return [c for c in self._matching(method, match) if c.status == 200 and not c.result.get("ok")]

    def _matching(self, method: str, match: dict[str, Any]) -> list[ApiCall]:
        return [
            c for c in self.calls if c.method == method and all(c.args.get(k) == v for k, v in match.items())
        ]

    def dm_of(self, user_id: str) -> str | None:
        """The DM channel conversations.open gave the bot for ``user_id``."""
        return next((dm for dm, uid in self.dms.items() if uid == user_id), None)

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
    app = SlackApp(bot, make_client("xoxb-test-token", slack.api_url, metrics=bot.metrics))
    await app.identity()  # as serve does at start
    endpoints = web_app(bot, [events_route(app, slack.signing_secret, bot.metrics)])
    async with listening(endpoints, "127.0.0.1", 0) as port:
        slack.app_url = f"http://127.0.0.1:{port}/slack/events"
        try:
            yield app
        finally:
            await app.idle()
