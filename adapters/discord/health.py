"""``/healthz`` and ``/metrics`` next to the gateway connection, on ``PREPBOT_HOST:PREPBOT_PORT``.

The Discord bot takes no HTTP requests from Discord, but the image's HEALTHCHECK,
compose and Prometheus look for the same two routes as on Slack.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord
from aiohttp import web

from bot.router import Prepbot


def health_app(bot: Prepbot, client: discord.Client) -> web.Application:
    async def healthz(request: web.Request) -> web.Response:
        # Healthy means the database answers; the gateway state is reported, not judged,
        # because discord.py reconnects by itself and a restart would not help it.
        gateway = "ready" if client.is_ready() else "closed" if client.is_closed() else "connecting"
        if await bot.ctx.db.ping():
            return web.json_response({"status": "ok", "database": "ok", "gateway": gateway})
        body = {"status": "unavailable", "database": "unreachable", "gateway": gateway}
        return web.json_response(body, status=503)

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(text=bot.ctx.metrics.render(), content_type="text/plain")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


@asynccontextmanager
async def listening(app: web.Application, host: str, port: int) -> AsyncIterator[int]:
    """Serve ``app`` on host:port (0 picks a free port); yields the bound port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
        server: Any = site._server  # aiohttp keeps the bound sockets here
        yield int(server.sockets[0].getsockname()[1]) if server and server.sockets else port
    finally:
        await runner.cleanup()
