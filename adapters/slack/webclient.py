"""The Slack Web API client prepbot uses: rate limits are waited out inside it.

Slack answers 429 with ``Retry-After`` and slack_sdk's stock handler retries
only once, so a fan-out to many channels would lose posts.
:class:`PatientRateLimitHandler` retries until the message goes through. A 429
means Slack did not post, so retrying never posts twice.
"""

from __future__ import annotations

import asyncio
import random

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.pacer import Pacer
from bot.metrics import Metrics

MAX_WAIT_S = 120.0


class PatientRateLimitHandler(AsyncRetryHandler):
    """Retry a 429 after its ``Retry-After`` (plus a little jitter), as many times as it takes."""

    def __init__(
        self, max_retry_count: int = 10_000, pacer: Pacer | None = None, metrics: Metrics | None = None
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.metrics = metrics
        self.pacer = pacer or Pacer(on_wait=self.waited)

    def waited(self, seconds: float) -> None:
        """Count time spent held back by Slack's rate limits (the pacer's slots, Retry-After)."""
        if self.metrics is not None:
            self.metrics.inc("prepbot_rate_limit_wait_seconds_total", seconds, platform="slack")

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = 1.0
        if response is not None:
            for name, values in response.headers.items():
                if name.lower() == "retry-after" and values:
                    try:
                        wait = float(values[0])
                    except ValueError:
                        wait = 1.0
        wait = min(max(wait, 0.0), MAX_WAIT_S)
        if self.metrics is not None:
            self.metrics.inc("prepbot_rate_limited_total", platform="slack")
        if request.url.endswith("chat.postMessage"):
            # Posts queue behind the workspace's pacer instead of retrying as a herd.
            self.pacer.limited(wait)
            await self.pacer.wait()
        else:
            pause = wait + random.uniform(0.05, 0.5)
            self.waited(pause)
            await asyncio.sleep(pause)
        state.next_attempt_requested = True
        state.increment_current_attempt()


def make_client(token: str | None, base_url: str, metrics: Metrics | None = None) -> AsyncWebClient:
    """The Web API client for ``base_url`` (``SLACK_API_URL``) that waits out rate limits.

    With ``metrics``, every 429 and every second waited is counted (platform ``slack``).
    """
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=30,
        retry_handlers=[AsyncConnectionErrorRetryHandler(), PatientRateLimitHandler(metrics=metrics)],
    )
