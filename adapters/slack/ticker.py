"""Scheduled work for the serve process: the APScheduler runner next to the Slack app.

It runs as a task of its own, started after the HTTP listener, so a catch-up
that posts to many channels at start never delays ``/healthz`` or an ack.
Exactly-once comes from the database, so every replica may run it.
"""

from __future__ import annotations

import asyncio
import logging

from bot.ports import ChatPort
from bot.router import Prepbot
from scheduler import runner

log = logging.getLogger(__name__)


async def run_scheduler(bot: Prepbot, port: ChatPort, stop: asyncio.Event) -> None:
    """Run the scheduler (catch-up, cron posts, periodic ticks) until ``stop`` is set."""
    try:
        handle = await runner.start(bot, port)
    except Exception:
        # The app keeps answering members; a restart retries the scheduler.
        log.exception("the scheduler did not start; scheduled posts are paused")
        await stop.wait()
        return
    try:
        await stop.wait()
    finally:
        await handle.stop()
