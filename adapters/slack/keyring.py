"""Each workspace's own bot token, from slack_sdk's installation store, refreshed before it expires.

With OAuth installs every Web API call prepbot makes is for one workspace (the
team in :data:`adapters.slack.pacer.TEAM`); :meth:`Keyring.token` finds that
workspace's installation and gives its bot token, never another's. A workspace
with no installation raises :class:`NotInstalled` (no fallback to any other token).

Token rotation (Slack's expiring ``xoxe.xoxb-`` tokens): a token within
``minutes`` of its expiry is refreshed with slack_sdk's :class:`AsyncTokenRotator`
(``oauth.v2.access`` with ``grant_type=refresh_token``), by whichever replica meets
it first, under a short database lease per installation (``bot.services.installs``):
the holder re-reads the installation, refreshes and saves it; the others wait for
the saved result instead of refreshing the same token again (Slack refuses a
refresh token once it has been used). Bolt's authorize goes through the same path
(:class:`adapters.slack.oauth.LeasedAuthorize`).

A refresh token Slack refuses (``invalid_refresh_token``: revoked, or spent) can never
work again: one warning says so, the installation is deleted and the workspace's work
stops (as on ``tokens_revoked``) until an admin reinstalls.

A workspace prepbot has work for but no installation of (its removal event was
missed, or it was served with one token before and has not installed since) is
marked removed on the spot, so its scheduled work stops instead of failing each tick.

Tokens are cached in the process for at most :data:`CACHE_S` (and never past the
refresh point), so a workspace removed on another replica stops being served
within that time; here it stops at once (:meth:`Keyring.forget`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass

from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator

from bot.domain import SpaceRef
from bot.events import AppRemoved
from bot.services import installs, lifecycle
from bot.services.context import ServiceContext

log = logging.getLogger(__name__)

CACHE_S = 30.0
# Longer than a refresh call can take (the client's 30 s timeout, once retried on a dropped
# connection): a lease that ran out mid-call would let another replica spend the same refresh
# token, and Slack's invalid_refresh_token would then look final. A dead holder's lease expires.
LEASE = dt.timedelta(seconds=90)
WAIT_STEP_S = 0.05
WAIT_ROUNDS = 200  # up to 10 s for another replica's refresh, only when the token is about to expire
# A token with more life than this left is used while another replica refreshes it (no wait
# before an ack); one closer to its expiry waits for the refreshed one.
GRACE_S = 30.0


class NotInstalled(Exception):
    """No installation for the workspace (never installed, uninstalled, or its tokens revoked)."""

    def __init__(self, team: str) -> None:
        super().__init__(f"prepbot is not installed in Slack workspace {team or '(none named)'}")
        self.team = team


@dataclass(frozen=True)
class Where:
    """How a workspace's installation is keyed in the store."""

    enterprise_id: str | None
    team_id: str | None
    org_wide: bool = False

    @property
    def key(self) -> str:
        return f"slack:{self.enterprise_id or '-'}:{self.team_id or '-'}"


def where_of(installation: Installation) -> Where:
    org = bool(installation.is_enterprise_install)
    return Where(installation.enterprise_id, None if org else installation.team_id, org)


class Keyring:
    """Bot tokens per workspace for one process (see the module docstring)."""

    def __init__(
        self,
        store: AsyncInstallationStore,
        rotator: AsyncTokenRotator,
        ctx: ServiceContext,
        *,
        minutes: int,
    ) -> None:
        self.store = store
        self.rotator = rotator
        self.ctx = ctx
        self.minutes = minutes
        self.holder = uuid.uuid4().hex[:16]  # this process, as a lease holder
        self.refreshes = 0  # refreshes this process made (tests, logs)
        self._tokens: dict[str, tuple[str, float]] = {}  # team -> (token, good until, monotonic)
        self._orgs: dict[str, Where] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    def expiring(self, installation: Installation) -> bool:
        expires = installation.bot_token_expires_at
        return expires is not None and expires <= time.time() + self.minutes * 60

    # --- a workspace's token ---------------------------------------------------
    async def token(self, team: str) -> str:
        """The bot token for workspace ``team``; raises :class:`NotInstalled`."""
        cached = self._tokens.get(team)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        async with self._locks[team]:  # one lookup per workspace at a time in this process
            cached = self._tokens.get(team)
            if cached is not None and cached[1] > time.monotonic():
                return cached[0]
            installation = await self._find_for_team(team)
            if installation is None or not installation.bot_token:
                if team:  # a removal whose event never came (or a workspace not installed since)
                    await lifecycle.space_changed(self.ctx, AppRemoved(SpaceRef("slack", team)))
                raise NotInstalled(team)
            installation = await self.fresh(installation) or installation
            self._cache(team, installation)
            assert installation.bot_token is not None
            return installation.bot_token

    def _cache(self, team: str, installation: Installation) -> None:
        good_for = CACHE_S
        if installation.bot_token_expires_at is not None:
            until_refresh = installation.bot_token_expires_at - self.minutes * 60 - time.time()
            good_for = max(0.0, min(good_for, until_refresh))
        if installation.bot_token:
            self._tokens[team] = (installation.bot_token, time.monotonic() + good_for)

    async def _find_for_team(self, team: str) -> Installation | None:
        found = await self.store.async_find_installation(enterprise_id=None, team_id=team)
        if found is not None:
            return found
        where = self._orgs.get(team)
        if where is None:
            org = await installs.team_org(self.ctx, team_id=team)
            if org is None:
                return None
            where = Where(org[0], team, org[1])
        return await self.store.async_find_installation(
            enterprise_id=where.enterprise_id, team_id=where.team_id, is_enterprise_install=where.org_wide
        )

    # --- what requests teach ----------------------------------------------------
    async def learn(self, enterprise_id: str | None, team_id: str | None, org_wide: bool) -> None:
        """A request came from ``team_id`` in org ``enterprise_id``: remember it for scheduled work."""
        if not enterprise_id or not team_id:
            return
        where = Where(enterprise_id, team_id, org_wide)
        if self._orgs.get(team_id) != where:
            await installs.remember_team(
                self.ctx, team_id=team_id, enterprise_id=enterprise_id, org_wide=org_wide
            )
            self._orgs[team_id] = where

    def forget(self, team: str | None = None) -> None:
        """Drop cached tokens (of ``team``, or all: after an uninstall or a new install)."""
        if team is None:
            self._tokens.clear()
        else:
            self._tokens.pop(team, None)

    # --- rotation -----------------------------------------------------------------
    async def fresh(self, installation: Installation) -> Installation | None:
        """The installation with a token good for ``minutes`` more, refreshed once across replicas.

        None when no refresh was needed (or the workspace was removed meanwhile).
        """
        if not self.expiring(installation) or not installation.bot_refresh_token:
            return None
        where = where_of(installation)
        usable = (installation.bot_token_expires_at or 0) > time.time() + GRACE_S
        for _ in range(WAIT_ROUNDS):
            async with installs.lease(self.ctx, key=where.key, holder=self.holder, length=LEASE) as held:
                if held:
                    current = await self._refresh(where)
                    self.forget()  # cached tokens of this installation's workspaces are the old ones
                    return current
            if usable:
                return None  # another replica is refreshing; this token still works meanwhile
            await asyncio.sleep(WAIT_STEP_S)  # about to expire: wait for what the other replica saves
            current = await self._find(where)
            if current is None or not self.expiring(current):
                self.forget()
                return current
        log.warning("token refresh of %s still held by another process; using the current token", where.key)
        return None

    async def _find(self, where: Where) -> Installation | None:
        return await self.store.async_find_installation(
            enterprise_id=where.enterprise_id, team_id=where.team_id, is_enterprise_install=where.org_wide
        )

    async def _refresh(self, where: Where) -> Installation | None:
        current = await self._find(where)  # re-read under the lease: another replica may have refreshed
        if current is None or not self.expiring(current):
            return current
        try:
            refreshed = await self.rotator.perform_token_rotation(
                installation=current, minutes_before_expiration=self.minutes
            )
        except SlackTokenRotationError as exc:
            await self._refused(where, current, str(exc.api_error.response.get("error") or ""))
            raise
        if refreshed is None:
            return None
        await self.store.async_save(refreshed)
        self.refreshes += 1
        log.info("refreshed the bot token of %s", where.key)
        return refreshed

    async def _refused(self, where: Where, used: Installation, error: str) -> None:
        """Slack refused a refresh. ``invalid_refresh_token`` is final: the installation goes, as on revoke.

        Only a reinstall gives a new refresh token, so retrying on every call and tick would
        only hammer Slack; the workspace's work stops (:class:`AppRemoved`) until then.
        """
        if error != "invalid_refresh_token":
            log.warning(
                "refreshing the bot token of %s failed (%s); the next use tries again", where.key, error
            )
            return
        latest = await self._find(where)
        if latest is not None and latest.bot_refresh_token != used.bot_refresh_token:
            return  # another replica refreshed it (its lease outlived): the saved token is good
        log.warning(
            "Slack refused the refresh token of %s (invalid_refresh_token): its installation is deleted and "
            "its scheduled work stopped; a workspace admin can reinstall prepbot from /slack/install",
            where.key,
        )
        await self.store.async_delete_bot(enterprise_id=where.enterprise_id, team_id=where.team_id)
        await self.store.async_delete_installation(enterprise_id=where.enterprise_id, team_id=where.team_id)
        self.forget()
        teams = [where.team_id] if where.team_id else []
        if where.org_wide and where.enterprise_id:
            teams = await installs.teams_in_org(self.ctx, enterprise_id=where.enterprise_id)
        for team in teams:
            await lifecycle.space_changed(self.ctx, AppRemoved(SpaceRef("slack", team)))
