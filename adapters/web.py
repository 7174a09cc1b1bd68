"""What both platform servers share over HTTP: serving an aiohttp app on a port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web


@asynccontextmanager
async def listening(app: web.Application, host: str, port: int) -> AsyncIterator[int]:
    """Serve ``app`` on host:port (0 picks a free port); yields the bound port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
        server: Any = site._server  # aiohttp keeps the bound sockets here
        bound = server.sockets[0].getsockname()[1] if server and server.sockets else port
        yield int(bound)
    finally:
        await runner.cleanup()
