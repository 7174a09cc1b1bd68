"""Scheduled work for the serve process: the scheduler module, or a plain tick loop.

The core's ``tick`` is idempotent (every scheduled post is claimed by channel
and local date before it is sent), so ticking every few seconds is safe on
any number of replicas; it is the fallback while no ``scheduler.runner`` exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.ports import ChatPort
from bot.router import Prepbot

log = logging.getLogger(__name__)

TICK_S = 5.0


async def tick_loop(bot: Prepbot, port: ChatPort, stop: asyncio.Event, *, every: float = TICK_S) -> None:
    """Call ``bot.tick(port)`` now and every ``every`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            await bot.tick(port)
        except Exception:
            log.exception("tick failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)


async def run_scheduler(bot: Prepbot, port: ChatPort, stop: asyncio.Event) -> None:
    """Run scheduled work until ``stop`` is set."""
    await tick_loop(bot, port, stop)
