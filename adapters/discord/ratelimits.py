"""Discord's rate limits on prepbot's REST session: paced to the global limit, 429s counted.

Discord documents (https://docs.discord.com/developers/topics/rate-limits) a
global limit of 50 requests a second per bot (interaction endpoints excepted)
and per-route limits announced in every answer's ``X-RateLimit-*`` headers
(``Limit``, ``Remaining``, ``Reset-After``, ``Bucket``), never to be hard-coded.
discord.py keeps to the per-route ones from the start: a route it has not seen
yet gets one request until the first answer names the bucket's limit, then it
sends only while ``Remaining`` allows and sleeps to ``Reset-After`` otherwise. It
does not pace the global limit (it only stops everything after a global 429), so
the trace here does: each request waits for a slot in a window of
:data:`GLOBAL` (:class:`adapters.pacing.Window`, counted from the answers)
before aiohttp sends it.

The same ``aiohttp.TraceConfig`` (discord.py's public ``http_trace`` option)
counts every 429 answer, with the seconds discord.py then sleeps: Discord's
``X-RateLimit-Reset-After`` header, which carries the same value as the body's
``retry_after`` (``Retry-After``, whole seconds, when it is absent).
:class:`adapters.discord.port.DiscordPort` adds the waits of its own retries.
"""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import aiohttp

from adapters.pacing import Clock, Limit, Sleep, Window
from bot.metrics import Metrics

PLATFORM = "discord"
GLOBAL = Limit(50, 1.0)  # requests per second per bot, across every route
# Not bound by the global limit: interaction callbacks and the follow-ups on their token.
EXEMPT = ("/interactions/", "/webhooks/")


def waited(metrics: Metrics, seconds: float) -> None:
    """Count ``seconds`` spent held back by Discord's rate limits."""
    metrics.inc("prepbot_rate_limit_wait_seconds_total", max(0.0, seconds), platform=PLATFORM)


def retry_after(headers: object) -> float:
    """The wait a 429 asks for, from its headers (0 when it names none)."""
    get = getattr(headers, "get", None)
    if get is None:
        return 0.0
    for name in ("X-RateLimit-Reset-After", "Retry-After"):
        value = get(name)
        if value:
            try:
                return float(value)
            except ValueError:
                continue
    return 0.0


def global_window(clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> Window:
    """The window of Discord's global limit, requests spread evenly over each second."""
    return Window(GLOBAL, even=True, clock=clock, sleep=sleep)


def rate_limit_trace(metrics: Metrics, window: Window | None = None) -> aiohttp.TraceConfig:
    """A trace for discord.py's REST session: paces to the global limit, counts each 429 and its wait."""
    paced = window or global_window()

    async def on_request_start(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams
    ) -> None:
        context.paced = not any(part in params.url.path for part in EXEMPT)
        if context.paced:
            started = paced.clock()
            await paced.acquire()
            if paced.clock() > started:
                waited(metrics, paced.clock() - started)

    def answered(context: SimpleNamespace, status: int) -> None:
        if getattr(context, "paced", False):
            context.paced = False
            paced.answered(refused=status == 429)

    async def on_request_end(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        answered(context, params.response.status)
        if params.response.status == 429:
            metrics.inc("prepbot_rate_limited_total", platform=PLATFORM)
            waited(metrics, retry_after(params.response.headers))
            if params.response.headers.get("X-RateLimit-Global"):
                paced.refused(retry_after(params.response.headers))

    async def on_request_exception(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestExceptionParams
    ) -> None:
        answered(context, 0)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    trace.on_request_end.append(on_request_end)
    trace.on_request_exception.append(on_request_exception)
    return trace
