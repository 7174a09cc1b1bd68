"""``/healthz`` and ``/metrics`` next to the gateway connection, on ``PREPBOT_HOST:PREPBOT_PORT``.

The Discord bot takes no HTTP requests from Discord, but the image's HEALTHCHECK,
compose and Prometheus look for the same two routes as on Slack.
"""

from __future__ import annotations

import discord
from aiohttp import web

from bot.metrics import CONTENT_TYPE
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
        return web.Response(body=bot.ctx.metrics.render().encode(), headers={"Content-Type": CONTENT_TYPE})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app
