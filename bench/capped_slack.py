"""A rate-limited Slack Web API for the fan-out bench, run as its own process.

``python -m bench.capped_slack PORT CAP`` serves ``POST /api/chat.postMessage``
on 127.0.0.1:PORT the way Slack limits it: at most 1 post per second per channel
and ``CAP`` posts per second across the workspace (a sliding one-second window);
past either, ``429`` with ``Retry-After: 1`` and nothing is posted. Every other
method answers ``{"ok": true}``. ``GET /stats`` returns every accepted post
(channel, wall-clock time) and the count of 429s. A process of its own, so the
fake's work does not share prepbot's event loop.
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


class CappedSlack:
    def __init__(self, cap: float) -> None:
        self.cap = cap
        self.window: deque[float] = deque()
        self.last_in_channel: dict[str, float] = {}
        self.posts: list[tuple[str, float]] = []
        self.rejected = 0
        self.ts = itertools.count(1)

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.read()
        if method != "chat.postMessage":
            return web.json_response({"ok": True})
        args: dict[str, Any]
        if request.content_type == "application/json":
            args = json.loads(raw or b"{}")
        else:
            args = dict(parse_qsl(raw.decode()))
        channel = str(args.get("channel"))
        now = time.monotonic()
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        last = self.last_in_channel.get(channel)
        if len(self.window) >= self.cap or (last is not None and now - last < 1.0):
            self.rejected += 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
            )
        self.window.append(now)
        self.last_in_channel[channel] = now
        self.posts.append((channel, time.time()))
        n = next(self.ts)
        return web.json_response({"ok": True, "channel": channel, "ts": f"{1_700_000_000 + n}.{n:06d}"})

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response({"posts": self.posts, "rejected": self.rejected})

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})


def main(port: int, cap: float) -> None:
    fake = CappedSlack(cap)
    app = web.Application()
    app.router.add_post("/api/{method}", fake.api)
    app.router.add_get("/stats", fake.stats)
    app.router.add_get("/healthz", fake.healthz)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]))
