"""What both platform servers share over HTTP: serving an aiohttp app on a port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


@asynccontextmanager
async def listening(app: web.Application, host: str, port: int) -> AsyncIterator[int]:
    """Serve ``app`` on host:port (0 picks a free port); yields the bound port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
        # The runner's public list of bound (host, port, …) addresses: the real port when 0 was asked.
        bound = next((address[1] for address in runner.addresses if isinstance(address, tuple)), port)
        yield int(bound)
    finally:
        await runner.cleanup()
