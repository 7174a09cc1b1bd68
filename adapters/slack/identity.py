"""Who the bot is on Slack: its token checked at start, its own ids, and bolt's ``authorize``.

``auth.test`` answers the bot's user and bot ids, which the listeners need to ignore
the bot's own posts. It is asked once at start (a refused token stops the process
with :class:`TokenRejected`; an unreachable Slack does not), and again at most once a
minute until it has answered. With OAuth installs each workspace has its own bot, so
bolt's authorize knows the ids per request and this one asks nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

# The app's logger: these lines were logged by adapters.slack.app before the identity had its module.
log = logging.getLogger("adapters.slack.app")

# What Slack answers for a token it will never accept: stop, do not serve with it.
TOKEN_ERRORS = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
}
Authorize = Callable[..., Awaitable[AuthorizeResult]]


class TokenRejected(Exception):
    """Slack refused a token at start (``variable`` names the setting, ``error`` Slack's answer)."""

    def __init__(self, variable: str, error: str) -> None:
        super().__init__(f"{variable}: {error}")
        self.variable = variable
        self.error = error


class BotIdentity:
    """The bot's ``auth.test`` answer, asked once and remembered (``{}`` per workspace under OAuth)."""

    def __init__(self, client: AsyncWebClient, *, oauth: bool) -> None:
        self.client = client
        self.known: dict[str, Any] | None = {} if oauth else None
        self._tried_at: float | None = None

    async def identity(self) -> dict[str, Any]:
        """auth.test, once: the bot's own user and bot ids (to ignore its own posts)."""
        last = self._tried_at
        if self.known is None and (last is None or time.monotonic() - last > 60):
            self._tried_at = time.monotonic()
            try:
                self.known = dict((await self.client.auth_test()).data)  # type: ignore[arg-type]
            except (SlackApiError, OSError, TimeoutError) as exc:
                log.warning("auth.test failed (%s); own posts are recognised by bot_id only", exc)
        return self.known or {}

    async def check_token(self) -> None:
        """auth.test at start: raise :class:`TokenRejected` when Slack refuses the bot token.

        An unreachable Slack is not a bad token: that is logged, and the app starts
        (the identity is asked again later).
        """
        self._tried_at = time.monotonic()
        try:
            self.known = dict((await self.client.auth_test()).data)  # type: ignore[arg-type]
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "")
            if error in TOKEN_ERRORS:
                raise TokenRejected("SLACK_BOT_TOKEN", error) from None
            log.warning("auth.test failed (%s); own posts are recognised by bot_id only", error)
        except (OSError, TimeoutError) as exc:
            log.warning("could not reach Slack to check SLACK_BOT_TOKEN (%s); starting anyway", exc)

    async def _refresh(self) -> None:
        await self.identity()

    def authorizer(self, spawn: Callable[[Awaitable[None]], Any]) -> Authorize:
        """Bolt's ``authorize``: our token, and the bot's ids so bolt can drop its own events.

        A plain function, because bolt passes arguments by the names it finds in
        the signature (a bound method's ``self`` would be one of them).
        """

        async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
            # Never wait for auth.test here: this runs before the ack. Until it has
            # answered (it is asked at start), a refresh runs in the background.
            if self.known is None:
                spawn(self._refresh())
            me = self.known or {}
            return AuthorizeResult(
                enterprise_id=enterprise_id,
                team_id=team_id,
                bot_token=self.client.token,
                bot_user_id=me.get("user_id"),
                bot_id=me.get("bot_id"),
            )

        return authorize
