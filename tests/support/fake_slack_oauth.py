"""The fake Slack's OAuth v2: installs, expiring tokens and their refresh, uninstalls.

As Slack documents ``oauth.v2.access`` (https://docs.slack.dev/reference/methods/oauth.v2.access):

- the client authenticates with HTTP Basic (or ``client_id``/``client_secret`` in the
  form): ``invalid_client_id`` / ``bad_client_secret`` otherwise;
- ``code`` (what Slack's authorize page hands the redirect URL, :meth:`SlackOAuthApi.approve`)
  is exchanged once for a bot token: ``invalid_code`` for an unknown or used code. A
  workspace install answers ``team``; an org-wide (Enterprise Grid) install answers
  ``team: null``, ``enterprise`` and ``is_enterprise_install: true``;
- with token rotation on, tokens are ``xoxe.xoxb-…`` with ``expires_in`` and a
  ``refresh_token``; ``grant_type=refresh_token`` gives a new token and a new refresh
  token; a refresh token works once (``invalid_refresh_token`` after);
- a token past its expiry answers ``token_expired``; a revoked one (uninstall)
  ``token_revoked``; an unknown one ``invalid_auth``. An old token stays good until
  it expires, as on Slack.

``auth.test`` answers with the token's own workspace, bot user and bot id.
"""

from __future__ import annotations

import base64
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from tests.support.fake_slack_files import fail

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "fake-client-secret"
APP_ID = "APREP"


@dataclass
class Grant:
    """What an approved install covers: one workspace, or (org-wide) a whole org."""

    team_id: str | None
    team_name: str = ""
    enterprise_id: str | None = None
    org_wide: bool = False
    user: str = "UADMIN"

    @property
    def key(self) -> str:
        return self.enterprise_id if self.org_wide and self.enterprise_id else str(self.team_id)

    @property
    def bot_user(self) -> str:
        return f"UBOT{self.key}"

    @property
    def bot_id(self) -> str:
        return f"BBOT{self.key}"


@dataclass
class Token:
    grant: Grant
    expires_at: float | None
    revoked: bool = False


@dataclass
class OAuthState:
    """Slack's side of installs; ``rotation`` as the app's Token Rotation setting."""

    rotation: bool = True
    expires_in: int = 43_200  # Slack's 12 hours
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    codes: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    refreshed: list[str] = field(default_factory=list)  # the grant keys refreshed, in order
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


class SlackOAuthApi:
    """``oauth.v2.access`` and per-token ``auth.test`` for :class:`tests.support.fake_slack.FakeSlack`."""

    oauth: OAuthState
    _request_token: str = ""  # the bearer token of the call being answered (set by FakeSlack._api)
    _request_basic: str = ""  # its HTTP Basic credentials, if any

    # --- what tests do on Slack's side ------------------------------------------
    def approve(
        self, team_id: str | None, *, name: str = "", enterprise_id: str | None = None, org_wide: bool = False
    ) -> str:
        """An admin approves the install on Slack's authorize page: the code Slack redirects with."""
        code = f"code-{next(self.oauth.counter)}"
        self.oauth.codes[code] = Grant(team_id, name or str(team_id), enterprise_id, org_wide)
        return code

    def uninstall(self, key: str) -> None:
        """The workspace (or org) removes the app: its tokens stop working."""
        for token in self.oauth.tokens.values():
            if token.grant.key == key:
                token.revoked = True
        for refresh, grant in list(self.oauth.refresh_tokens.items()):
            if grant.key == key:
                del self.oauth.refresh_tokens[refresh]

    def tokens_of(self, key: str) -> list[str]:
        """Every token issued for a workspace (or org), oldest first."""
        return [t for t, info in self.oauth.tokens.items() if info.grant.key == key]

    def expire_now(self, key: str, *, in_seconds: float = 60) -> None:
        """Make the workspace's tokens expire soon (``in_seconds``): the next use should refresh first."""
        for token in self.oauth.tokens.values():
            if token.grant.key == key and token.expires_at is not None:
                token.expires_at = time.time() + in_seconds

    # --- answers ------------------------------------------------------------------
    def credentials(self, authorization: str) -> str:
        """Note the call's bearer token (or HTTP Basic client credentials); returns the token."""
        token = authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else ""
        self._request_token = token
        self._request_basic = (
            authorization.removeprefix("Basic ") if authorization.startswith("Basic ") else ""
        )
        return token

    def token_refusal(self, method: str) -> dict[str, Any] | None:
        """Slack's refusal of the call's bearer token (None: it is good, or OAuth is not in play)."""
        token = self._request_token
        if not self.oauth.tokens or not token or method == "oauth.v2.access":
            return None
        info = self.oauth.tokens.get(token)
        if info is None:
            return fail("invalid_auth")
        if info.revoked:
            return fail("token_revoked")
        if info.expires_at is not None and info.expires_at <= time.time():
            return fail("token_expired")
        return None

    def _client(self, args: dict[str, Any]) -> dict[str, Any] | None:
        client_id, secret = args.get("client_id"), args.get("client_secret")
        if self._request_basic:
            client_id, _, secret = base64.b64decode(self._request_basic).decode().partition(":")
        if client_id != self.oauth.client_id:
            return fail("invalid_client_id")
        if secret != self.oauth.client_secret:
            return fail("bad_client_secret")
        return None

    def _oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        refused = self._client(args)
        if refused is not None:
            return refused
        if args.get("grant_type") == "refresh_token":
            grant = self.oauth.refresh_tokens.pop(str(args.get("refresh_token")), None)
            if grant is None:
                return fail("invalid_refresh_token")
            self.oauth.refreshed.append(grant.key)
            return self._issue(grant)
        grant = self.oauth.codes.pop(str(args.get("code")), None)
        if grant is None:
            return fail("invalid_code")
        return self._issue(grant) | {"authed_user": {"id": grant.user}}

    def _issue(self, grant: Grant) -> dict[str, Any]:
        n = next(self.oauth.counter)
        found: dict[str, Any] = {
            "ok": True,
            "app_id": APP_ID,
            "token_type": "bot",
            "scope": ",".join(sorted(getattr(self, "scopes", set()))),
            "bot_user_id": grant.bot_user,
            "team": None if grant.org_wide else {"id": grant.team_id, "name": grant.team_name},
            "enterprise": {"id": grant.enterprise_id, "name": "Org"} if grant.enterprise_id else None,
            "is_enterprise_install": grant.org_wide,
        }
        if self.oauth.rotation:
            token, refresh = f"xoxe.xoxb-{grant.key}-{n}", f"xoxe-1-{grant.key}-{n}"
            self.oauth.tokens[token] = Token(grant, time.time() + self.oauth.expires_in)
            self.oauth.refresh_tokens[refresh] = grant
            return found | {
                "access_token": token,
                "expires_in": self.oauth.expires_in,
                "refresh_token": refresh,
            }
        token = f"xoxb-{grant.key}-{n}"
        self.oauth.tokens[token] = Token(grant, None)
        return found | {"access_token": token}

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        info = self.oauth.tokens.get(self._request_token)
        if info is None:
            return super()._auth_test(args)  # type: ignore[misc]
        grant = info.grant
        found: dict[str, Any] = {
            "ok": True,
            "team_id": grant.team_id,
            "team": grant.team_name,
            "user_id": grant.bot_user,
            "bot_id": grant.bot_id,
            "url": "https://org.enterprise.slack.com/" if grant.org_wide else "https://team.slack.com/",
        }
        if grant.enterprise_id:
            found |= {"enterprise_id": grant.enterprise_id, "is_enterprise_install": grant.org_wide}
        return found
