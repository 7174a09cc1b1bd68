"""The Slack Web API client prepbot uses: every call paced, rate limits waited out inside it.

:class:`PacedWebClient` sends each call when :class:`adapters.slack.pacer.Pacer`
gives it a slot (Slack's documented limits per channel, per workspace and per
method tier), so Slack rarely refuses one. When it does (429), the call waits
out ``Retry-After`` in the pacer and goes again, as many times as it takes: a 429
means Slack did not carry the call out, so retrying never posts twice. slack_sdk's
own handler would retry only once, and a fan-out to many channels would lose posts.

Calls that overlap share one ``aiohttp`` session, so a fan-out's posts reuse
kept-alive connections instead of opening one per post (slack_sdk's default
without a session); it is closed when the last overlapping call ends, so nothing
outlives the calls that needed it by more than ``LINGER_S``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.pacer import TEAM, Pacer
from bot.metrics import Metrics

MAX_WAIT_S = 120.0
# With OAuth installs: the bot token of a workspace (team id), or an exception when it has none.
Tokens = Callable[[str], Awaitable[str]]
# A fan-out's batches come back to the session between their database steps: an
# idle session of ours stays open this long before it is closed.
LINGER_S = 0.5


def retry_after(headers: Any) -> float:
    """The seconds a 429 asks to wait (``Retry-After``; 1 when it names none), at most MAX_WAIT_S."""
    wait = 1.0
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                wait = float(raw)
            except (TypeError, ValueError):
                wait = 1.0
    return min(max(wait, 0.0), MAX_WAIT_S)


def _channel_of(kwargs: dict[str, Any]) -> str:
    for source in ("json", "data", "params"):
        args = kwargs.get(source)
        if isinstance(args, dict) and args.get("channel"):
            return str(args["channel"])
    return ""


def _names_token(kwargs: dict[str, Any]) -> bool:
    return any(isinstance(kwargs.get(k), dict) and kwargs[k].get("token") for k in ("json", "data", "params"))


class PacedWebClient(AsyncWebClient):
    """An ``AsyncWebClient`` whose calls go through a :class:`Pacer` and wait out 429s."""

    def __init__(
        self, *args: Any, metrics: Metrics | None = None, tokens: Tokens | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics
        # None: the one token given (SLACK_BOT_TOKEN); else each call uses its workspace's token.
        self.tokens = tokens
        self.pacer = Pacer(on_wait=self.waited)
        self._callers = 0  # calls under way (waiting in the pacer or on the wire)
        self._own_session = False  # the session is ours to close (none was given)
        self._idle: asyncio.TimerHandle | None = None  # closes an idle session of ours
        self._closing: asyncio.Future[None] | None = None

    def waited(self, seconds: float) -> None:
        """Count time spent held back by Slack's rate limits (the pacer's slots, Retry-After)."""
        if self.metrics is not None:
            self.metrics.inc("prepbot_rate_limit_wait_seconds_total", seconds, platform="slack")

    @contextlib.asynccontextmanager
    async def _shared_session(self) -> AsyncIterator[None]:
        """One session for the calls that overlap (or follow within LINGER_S); then it is closed."""
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                # Calls for different workspaces share it: no cookie may travel between them.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            self._own_session = True
        self._callers += 1
        try:
            yield
        finally:
            self._callers -= 1
            if self._callers == 0 and self._own_session:
                self._idle = asyncio.get_running_loop().call_later(LINGER_S, self._close_idle)

    def _close_idle(self) -> None:
        self._idle = None
        if self._callers == 0 and self._own_session and self.session is not None:
            session, self.session, self._own_session = self.session, None, False
            self._closing = asyncio.ensure_future(session.close())

    async def close(self) -> None:
        """Close a session of ours now (at stop), so none is left for the loop to warn about."""
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self._own_session and self.session is not None:
            session, self.session, self._own_session = self.session, None, False
            await session.close()
        if self._closing is not None:
            await self._closing

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        async with self._shared_session():
            return await self._paced_call(api_method, **kwargs)

    async def _paced_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        channel = _channel_of(kwargs)
        team = TEAM.get()
        if self.tokens is not None and not _names_token(kwargs):
            # The workspace the call is for decides the token: never another workspace's.
            token = await self.tokens(team)
            kwargs["headers"] = {**(kwargs.get("headers") or {}), "Authorization": f"Bearer {token}"}
        while True:
            async with self.pacer.slot(api_method, team, channel) as slot:
                try:
                    return await super().api_call(api_method, **kwargs)
                except SlackApiError as exc:
                    if exc.response.status_code != 429:
                        raise
                    if self.metrics is not None:
                        self.metrics.inc("prepbot_rate_limited_total", platform="slack")
                    slot.limited(retry_after(exc.response.headers))
            # The next attempt waits in the pacer until the hold is over.


def make_client(
    token: str | None, base_url: str, metrics: Metrics | None = None, tokens: Tokens | None = None
) -> PacedWebClient:
    """The Web API client for ``base_url`` (``SLACK_API_URL``) that paces calls and waits out 429s.

    With ``metrics``, every 429 and every second waited is counted (platform ``slack``).
    """
    if not base_url.endswith("/"):
        base_url += "/"
    return PacedWebClient(
        token=token,
        base_url=base_url,
        timeout=30,
        retry_handlers=[AsyncConnectionErrorRetryHandler()],
        metrics=metrics,
        tokens=tokens,
    )
