"""Who a Slack user is: name, admin status and time zone from ``users.info``, cached briefly.

Slack's payloads say who acted but not whether they administer the workspace,
so the core's ``MemberRef.is_admin`` comes from ``users.info`` (``is_admin`` or
``is_owner``). A few minutes of caching keeps a busy channel from spending the
method's rate limit, while a demoted admin loses rights within that window; the
profile's ``tz`` (an IANA name) rides along, so a changed zone reaches the core
within that window too. Lookups of one member already under way are shared, so a
burst of commands from a member asks Slack once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain import MemberRef, SpaceRef

log = logging.getLogger(__name__)

TTL_S = 300.0
# A failed lookup is retried sooner, but not on every message of a busy thread.
FAILURE_TTL_S = 30.0


@dataclass(frozen=True)
class Profile:
    """What users.info told us: a name to show, whether the user is an admin, their zone."""

    name: str
    is_admin: bool
    timezone: str | None = None


class MemberDirectory:
    """MemberRefs for Slack user ids, with ``is_admin``, a display name and the profile's zone."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        ttl: float = TTL_S,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.ttl = ttl
        self._now = now
        self._cache: dict[tuple[str, str], tuple[float, Profile]] = {}
        self._asking: dict[tuple[str, str], asyncio.Task[Profile]] = {}

    async def member(self, space: SpaceRef, user_id: str, fallback_name: str = "") -> MemberRef:
        profile = await self.profile(space, user_id, fallback_name)
        return MemberRef(
            space=space,
            id=user_id,
            display_name=profile.name,
            is_admin=profile.is_admin,
            timezone=profile.timezone,
        )

    async def profile(self, space: SpaceRef, user_id: str, fallback_name: str = "") -> Profile:
        key = (space.id, user_id)
        cached = self._cache.get(key)
        if cached is not None and cached[0] > self._now():
            return cached[1]
        asking = self._asking.get(key)
        if asking is None:
            asking = self._asking[key] = asyncio.create_task(self._ask(key, user_id, fallback_name))
        # Shielded: one waiter cancelled (a stop) does not cancel the lookup the others share.
        return await asyncio.shield(asking)

    async def _ask(self, key: tuple[str, str], user_id: str, fallback_name: str) -> Profile:
        try:
            profile, ttl = await self._lookup(user_id, fallback_name)
        finally:
            del self._asking[key]
        self._cache[key] = (self._now() + ttl, profile)
        if len(self._cache) > 10_000:
            self._evict()
        return profile

    async def _lookup(self, user_id: str, fallback_name: str) -> tuple[Profile, float]:
        try:
            response = await self.client.users_info(user=user_id)
        except (SlackApiError, OSError, TimeoutError) as exc:
            # Unknown means "not an admin": refusing an admin command is safe, granting it is not.
            log.warning("users.info failed for %s: %s", user_id, exc)
            return Profile(name=fallback_name, is_admin=False), FAILURE_TTL_S
        user = response.get("user") or {}
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or fallback_name
        )
        is_admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        zone = user.get("tz")
        return Profile(name=str(name), is_admin=is_admin, timezone=str(zone) if zone else None), self.ttl

    def _evict(self) -> None:
        now = self._now()
        for key in [k for k, (expires, _) in self._cache.items() if expires <= now]:
            del self._cache[key]
