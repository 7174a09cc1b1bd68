"""Many workspaces: Slack's OAuth v2 install, per-workspace tokens, and the app leaving a workspace.

Built only when ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` are set (else the one
``SLACK_BOT_TOKEN`` serves the one workspace). Everything here is bolt's and
slack_sdk's own OAuth support, on prepbot's database:

- ``GET /slack/install`` (:class:`AsyncOAuthFlow`) sends the admin to Slack's
  authorize page with the manifest's bot scopes (:data:`BOT_SCOPES`) and a state
  kept in ``slack_oauth_states`` (:class:`AsyncSQLAlchemyOAuthStateStore`);
  ``GET /slack/oauth_redirect`` exchanges the code (``oauth.v2.access``) and saves
  the installation in ``slack_installations``/``slack_bots``
  (:class:`AsyncSQLAlchemyInstallationStore`). Those tables are created by prepbot's
  migration ``0016_oauth``, never by the stores. The space is then (re)installed
  in the core (:class:`bot.events.AppInstalled`: a removed space's schedules resume).
- Every request is authorized by bolt from the installation store
  (:class:`LeasedAuthorize`), so it is answered with its own workspace's token; a
  workspace with no installation (never installed, removed, or a forged team id)
  gets :data:`NOT_INSTALLED` and no token at all. prepbot's own Web API calls pick the
  token of the workspace they are for (:class:`adapters.slack.keyring.Keyring`).
- Enterprise Grid: an org-wide install is stored under the org (``enterprise_id``,
  ``is_enterprise_install``) and serves every workspace of the org; bolt finds it from
  each request's ``enterprise_id``, and the keyring remembers each workspace's org for
  scheduled work.
- Token rotation: tokens are refreshed ``PREPBOT_TOKEN_ROTATION_MINUTES`` before they
  expire, once across replicas (see :mod:`adapters.slack.keyring`).
- ``app_uninstalled`` and ``tokens_revoked`` delete the workspace's installation at
  once (bolt's own listeners, the installation store's delete) and hand the core
  :class:`bot.events.AppRemoved`.

The engine is the core's (``core.ctx.db.engine``): the adapter reaches no repository.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.keyring import Keyring
from bot.domain import SpaceRef
from bot.events import AppInstalled, AppRemoved
from bot.router import Prepbot
from bot.services import installs
from bot.settings import Settings

log = logging.getLogger(__name__)

# The bot scopes of deploy/slack-manifest.yaml (tests/test_oauth.py keeps the two equal).
BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "channels:join",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:write",
    "users:read",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_SECONDS = 600
NOT_INSTALLED = (
    "prepbot is not installed in this workspace (or it was removed). "
    "A workspace admin can install it from this deployment's /slack/install page."
)


class LeasedAuthorize(AsyncInstallationStoreAuthorize):
    """Bolt's installation-store authorize, its token refresh taken once across replicas.

    Bolt finds the request's installation (by ``enterprise_id``, ``team_id`` and
    ``is_enterprise_install``) and refreshes an expiring token before using it; the
    refresh goes through :meth:`Keyring.fresh` (a lease per installation) instead of
    straight to Slack, and each workspace's org is remembered for scheduled work.
    """

    def __init__(self, keyring: Keyring, *, client: AsyncWebClient, settings: Settings) -> None:
        super().__init__(
            logger=log,
            installation_store=keyring.store,
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            token_rotation_expiration_minutes=settings.token_rotation_minutes,
            cache_enabled=True,  # auth.test once per token (a refreshed token is a new key)
            client=client,
        )
        self.keyring = keyring

    async def __call__(  # type: ignore[override]
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: Any,
    ) -> AuthorizeResult | None:
        found = await super().__call__(
            context=context, enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, **actor
        )
        if found is not None:
            await self.keyring.learn(enterprise_id, team_id, bool(context.is_enterprise_install))
        return found

    async def _rotate_and_save_tokens_if_necessary(
        self, installation: Installation | None
    ) -> Installation | None:
        if installation is None:
            return None
        return await self.keyring.fresh(installation)


class SlackOAuth:
    """The stores, the keyring, bolt's OAuth flow and authorize, and the install routes."""

    def __init__(self, settings: Settings, core: Prepbot, client: AsyncWebClient) -> None:
        assert settings.slack_client_id and settings.slack_client_secret
        engine = core.ctx.db.engine
        self.core = core
        self.store = AsyncSQLAlchemyInstallationStore(
            client_id=settings.slack_client_id, engine=engine, logger=log
        )
        self.states = AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_SECONDS, engine=engine, logger=log
        )
        rotator = AsyncTokenRotator(
            client_id=settings.slack_client_id, client_secret=settings.slack_client_secret, client=client
        )
        self.keyring = Keyring(self.store, rotator, core.ctx, minutes=settings.token_rotation_minutes)
        self.authorize = LeasedAuthorize(self.keyring, client=client, settings=settings)
        self.settings = AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(BOT_SCOPES),
            user_scopes=[],
            redirect_uri=settings.slack_redirect_uri,
            install_path=INSTALL_PATH,
            install_page_rendering_enabled=False,  # straight to Slack's authorize page
            redirect_uri_path=REDIRECT_PATH,
            installation_store=self.store,
            state_store=self.states,
            state_expiration_seconds=STATE_SECONDS,
            token_rotation_expiration_minutes=settings.token_rotation_minutes,
            callback_options=AsyncCallbackOptions(success=self._installed, failure=self._failed),
            logger=log,
        )
        self.flow = AsyncOAuthFlow(client=client, logger=log, settings=self.settings)

    # --- bolt ---------------------------------------------------------------------
    def bolt_options(self) -> dict[str, Any]:
        """What bolt's ``AsyncApp`` takes for OAuth installs: the flow, the store, the leased authorize."""
        return {
            "authorize": self.authorize,
            "oauth_flow": self.flow,
            "installation_store": self.store,
            "user_facing_authorize_error_message": NOT_INSTALLED,
        }

    def attach(self, bolt: Any) -> None:
        """``app_uninstalled``, ``tokens_revoked``: the installation store's delete, then :class:`AppRemoved`.

        Registered before the app's catch-all event listener (the first match wins). An
        org-wide install is stored under the org alone (no team id), so its removal deletes
        the org's rows, whichever workspace the event names.
        """

        async def uninstalled(ack: Any, context: AsyncBoltContext) -> None:
            await ack()
            org_wide = bool(context.is_enterprise_install)
            team = None if org_wide else context.team_id
            await self.store.async_delete_all(enterprise_id=context.enterprise_id, team_id=team)
            await self._removed(context.enterprise_id, context.team_id, org_wide=org_wide)

        async def revoked(ack: Any, event: dict[str, Any], context: AsyncBoltContext) -> None:
            await ack()
            if (event.get("tokens") or {}).get("bot"):  # user tokens: prepbot asks for none
                org_wide = bool(context.is_enterprise_install)
                team = None if org_wide else context.team_id
                await self.store.async_delete_bot(enterprise_id=context.enterprise_id, team_id=team)
                await self.store.async_delete_installation(enterprise_id=context.enterprise_id, team_id=team)
                await self._removed(context.enterprise_id, context.team_id, org_wide=org_wide)

        bolt.event("app_uninstalled")(uninstalled)
        bolt.event("tokens_revoked")(revoked)

    async def _removed(self, enterprise_id: str | None, team_id: str | None, *, org_wide: bool) -> None:
        """Tokens are gone from the store: forget them here, and stop the space's (or org's) work."""
        for team in await self._teams(enterprise_id, team_id, org_wide=org_wide):
            self.keyring.forget(team)
            await self.core.space_changed(AppRemoved(SpaceRef("slack", team)))

    async def _teams(self, enterprise_id: str | None, team_id: str | None, *, org_wide: bool) -> list[str]:
        """The workspaces an install or removal covers: the one, or every workspace seen in the org."""
        if org_wide and enterprise_id:
            seen = await installs.teams_in_org(self.core.ctx, enterprise_id=enterprise_id)
            return sorted(set(seen) | ({team_id} if team_id else set()))
        return [team_id] if team_id else []

    # --- the install ----------------------------------------------------------------
    async def _installed(self, args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        teams = await self._teams(
            installation.enterprise_id,
            installation.team_id,
            org_wide=bool(installation.is_enterprise_install),
        )
        for team in teams:
            self.keyring.forget(team)
            await self.core.space_changed(AppInstalled(SpaceRef("slack", team, installation.team_name or "")))
        log.info(
            "installed in Slack %s %s",
            "org" if installation.is_enterprise_install else "workspace",
            installation.enterprise_id if installation.is_enterprise_install else installation.team_id,
        )
        return await args.default.success(args)

    async def _failed(self, args: AsyncFailureArgs) -> BoltResponse:
        log.warning("Slack install did not complete: %r", args.reason[:100])
        response = await args.default.failure(args)  # names the reason, links to /slack/install
        # A cancelled install, a missing/spent code or state: what came back was a bad request
        # (bolt answers 200 or 401); only a store that failed is the server's fault.
        if args.reason != "storage_error":
            response.status = 400
        return response

    def routes(self) -> Sequence[web.RouteDef]:
        """``GET /slack/install`` and ``GET /slack/oauth_redirect``."""

        async def install(request: web.Request) -> web.StreamResponse:
            return await to_aiohttp_response(await self.flow.handle_installation(_bolt_request(request)))

        async def redirect(request: web.Request) -> web.StreamResponse:
            return await to_aiohttp_response(await self.flow.handle_callback(_bolt_request(request)))

        return [web.get(INSTALL_PATH, install), web.get(REDIRECT_PATH, redirect)]


def _bolt_request(request: web.Request) -> AsyncBoltRequest:
    headers: dict[str, str | Sequence[str]] = dict(request.headers.items())
    return AsyncBoltRequest(body="", query=request.query_string, headers=headers)
