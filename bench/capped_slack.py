"""A rate-limited Slack Web API for the fan-out bench, run as its own process.

``python -m bench.capped_slack PORT CAP`` serves ``/api/chat.postMessage`` on
127.0.0.1:PORT the way Slack limits it: at most 1 post per second per channel
and ``CAP`` posts per second per workspace (sliding one-second windows); past
either, ``429`` with ``Retry-After: 1`` and nothing is posted. A channel's
workspace is the team ``POST /teams`` gave it (``{channel: team}``), else one
shared workspace: the fake accepts any token and keys the limits by the team of
the channel, so one process can stand for many workspaces. ``conversations.history``
shows the bot's posts with their metadata (a retried send finds its earlier
copy); ``auth.test`` names the bot; every other method answers ``{"ok": true}``.
``GET /stats`` returns every accepted post (channel, wall-clock time) and the
count of 429s. A process of its own, so the fake's work does not share
prepbot's event loop.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

BOT_USER, BOT_ID = "U0PREPBOT", "B0PREPBOT"


class CappedSlack:
    def __init__(self, cap: float) -> None:
        self.cap = cap
        self.windows: dict[str, deque[float]] = {}
        self.teams: dict[str, str] = {}
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.last_in_channel: dict[str, float] = {}
        self.posts: list[tuple[str, float]] = []
        self.rejected = 0
        self.ts = itertools.count(1)

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.read()
        args: dict[str, Any]
        if request.content_type == "application/json":
            args = json.loads(raw or b"{}")
        else:
            args = dict(request.query) | dict(parse_qsl(raw.decode()))
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": BOT_USER, "bot_id": BOT_ID, "team_id": "T"})
        if method == "conversations.history":
            messages = list(reversed(self.history.get(str(args.get("channel")), [])))
            return web.json_response({"ok": True, "messages": messages, "has_more": False})
        if method != "chat.postMessage":
            return web.json_response({"ok": True})
        channel = str(args.get("channel"))
        now = time.monotonic()
        window = self.windows.setdefault(self.teams.get(channel, ""), deque())
        while window and now - window[0] >= 1.0:
            window.popleft()
        last = self.last_in_channel.get(channel)
        if len(window) >= self.cap or (last is not None and now - last < 1.0):
            self.rejected += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
            )
        window.append(now)
        self.last_in_channel[channel] = now
        self.posts.append((channel, time.time()))
        n = next(self.ts)
        ts = f"{1_700_000_000 + n}.{n:06d}"
        metadata = args.get("metadata")
        message = {"type": "message", "ts": ts, "user": BOT_USER, "bot_id": BOT_ID}
        if metadata:
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        self.history.setdefault(channel, []).append(message)
        return web.json_response({"ok": True, "channel": channel, "ts": ts})

    async def set_teams(self, request: web.Request) -> web.Response:
        self.teams.update(await request.json())
        return web.json_response({"ok": True})

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response({"posts": self.posts, "rejected": self.rejected})

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})


def main(port: int, cap: float) -> None:
    fake = CappedSlack(cap)
    app = web.Application()
    app.router.add_post("/api/{method}", fake.api)
    app.router.add_get("/api/{method}", fake.api)
    app.router.add_post("/teams", fake.set_teams)
    app.router.add_get("/stats", fake.stats)
    app.router.add_get("/healthz", fake.healthz)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]))
