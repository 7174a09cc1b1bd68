"""The process's HTTP endpoints: ``/healthz`` and ``/metrics``, plus the connector's own routes.

The image's HEALTHCHECK, compose and Prometheus look for the same two routes on
every platform. Healthy means the database answers; what the connector adds
(Discord's gateway state) is reported, not judged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from aiohttp import web

from bot.metrics import CONTENT_TYPE
from bot.router import Prepbot

# Slack's events route reads bodies up to 1 MiB itself and answers 413 past that;
# aiohttp's own limit must not cut in first.
MAX_BODY_BYTES = 1024 * 1024


def web_app(
    core: Prepbot,
    routes: Sequence[web.RouteDef] = (),
    health: Callable[[], Mapping[str, str]] | None = None,
) -> web.Application:
    """``/healthz`` and ``/metrics`` for ``core``, and ``routes`` (a connector's) beside them."""

    async def healthz(request: web.Request) -> web.Response:
        extra = dict(health()) if health is not None else {}
        if await core.healthy():
            return web.json_response({"status": "ok", "database": "ok", **extra})
        return web.json_response({"status": "unavailable", "database": "unreachable", **extra}, status=503)

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(body=core.metrics.render().encode(), headers={"Content-Type": CONTENT_TYPE})

    app = web.Application(client_max_size=MAX_BODY_BYTES + 1)
    app.add_routes(routes)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app
