"""The fake Discord's rate limits: the global limit, a per-channel bucket and a guild-wide post rate.

Each refusal is a 429 as Discord sends it: ``retry_after`` in the body, ``Retry-After``
and the ``X-RateLimit-*`` headers, and ``Via`` (discord.py takes a 429 without it for a
Cloudflare ban).
"""

from __future__ import annotations

import json
import time

from aiohttp import web


def _refused(retry_after: float, headers: dict[str, str], *, glob: bool = False) -> web.Response:
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": glob}
    # Discord's exact content type: discord.py parses JSON only for "application/json".
    headers = {"Content-Type": "application/json", "Via": "1.1 google", **headers}
    headers["Retry-After"] = str(max(1, round(retry_after)))
    return web.Response(status=429, body=json.dumps(body).encode(), headers=headers)


class DiscordLimits:
    """Rate limits of :class:`tests.support.fake_discord.FakeDiscord` (state lives there)."""

    global_per_second: int | None
    channel_posts: tuple[int, float] | None
    posts_per_second: float | None
    global_limited: int
    rate_limited: int
    _global_times: list[float]
    _channel_times: dict[str, list[float]]
    _post_times: list[float]

    def _over_global(self) -> web.Response | None:
        """Discord's global limit: past ``global_per_second`` requests in a second, a global 429."""
        if self.global_per_second is None:
            return None
        now = time.monotonic()
        self._global_times = [t for t in self._global_times if now - t < 1.0]
        if len(self._global_times) < self.global_per_second:
            self._global_times.append(now)
            return None
        self.global_limited += 1
        self.rate_limited += 1
        retry_after = round(max(0.05, 1.0 - (now - self._global_times[0])), 3)
        return _refused(retry_after, {"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"}, glob=True)

    def _channel_bucket(self, cid: str) -> tuple[web.Response | None, dict[str, str]]:
        """The per-route bucket of message creates in ``cid``: a 429 past it, else its headers."""
        if self.channel_posts is None:
            return None, {}
        # Discord's buckets reset whole: ``Limit`` requests from the first, until ``Reset-After``.
        count, period = self.channel_posts
        now = time.monotonic()
        times = self._channel_times.get(cid, [])
        if times and now - times[0] >= period:
            times = []
        self._channel_times[cid] = times
        reset_after = round(period - (now - times[0]), 3) if times else period
        if len(times) >= count:
            self.rate_limited += 1
            bucket = {"X-RateLimit-Limit": str(count), "X-RateLimit-Remaining": "0"}
            bucket |= {
                "X-RateLimit-Reset-After": str(reset_after),
                "X-RateLimit-Bucket": "fake-channel-posts",
            }
            return _refused(reset_after, bucket | {"X-RateLimit-Scope": "user"}), {}
        times.append(now)
        headers = {
            "X-RateLimit-Limit": str(count),
            "X-RateLimit-Remaining": str(count - len(times)),
            "X-RateLimit-Reset": str(time.time() + reset_after),
            "X-RateLimit-Reset-After": str(reset_after),
            "X-RateLimit-Bucket": "fake-channel-posts",
        }
        return None, headers

    def _throttled(self) -> web.Response | None:
        """A 429 like Discord's when more than ``posts_per_second`` creates came in the last second."""
        if self.posts_per_second is None:
            return None
        now = time.monotonic()
        self._post_times = [t for t in self._post_times if now - t < 1.0]
        if len(self._post_times) < self.posts_per_second:
            self._post_times.append(now)
            return None
        self.rate_limited += 1
        retry_after = round(max(0.05, 1.0 - (now - self._post_times[0])), 3)
        bucket = {"X-RateLimit-Limit": str(int(self.posts_per_second)), "X-RateLimit-Remaining": "0"}
        bucket |= {"X-RateLimit-Reset-After": str(retry_after), "X-RateLimit-Bucket": "fake-guild-posts"}
        return _refused(retry_after, bucket | {"X-RateLimit-Scope": "shared"})
