"""OAuth installs in tests: prepbot's real listener with many workspaces, installed through /slack/install.

:func:`installed_app_on` runs the Slack app as ``prepbot serve slack`` does with
``SLACK_CLIENT_ID``/``SLACK_CLIENT_SECRET`` set (HTTP listener, bolt's OAuth flow,
slack_sdk's stores on the test's database); :func:`install` walks an admin through
the install as a browser would; the payload helpers put requests in a workspace.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import aiohttp

from adapters.slack.app import SlackApp
from adapters.slack.http import events_route
from adapters.slack.installed import installed_app
from adapters.web import listening
from bot.features import build_bot
from bot.services.context import ServiceContext
from bot.store.engine import Database
from host.web import web_app
from tests.support.fake_slack import FakeSlack, fixture
from tests.support.fake_slack_oauth import CLIENT_ID, CLIENT_SECRET


@dataclass
class Installed:
    """One running app with OAuth installs: the app and its base URL."""

    app: SlackApp
    base: str

    async def idle(self) -> None:
        await self.app.idle()


def oauth_context(ctx: ServiceContext, slack: FakeSlack, *, db: Database | None = None, minutes: int = 120
                  ) -> ServiceContext:  # fmt: skip
    settings = ctx.settings.model_copy(
        update={
            "slack_client_id": CLIENT_ID,
            "slack_client_secret": CLIENT_SECRET,
            "slack_api_url": slack.api_url,
            "slack_signing_secret": slack.signing_secret,
            "token_rotation_minutes": minutes,
        }
    )
    return dataclasses.replace(ctx, settings=settings, db=db or ctx.db)


@asynccontextmanager
async def installed_app_on(
    ctx: ServiceContext, slack: FakeSlack, *, db: Database | None = None, minutes: int = 120
) -> AsyncIterator[Installed]:
    """prepbot's HTTP listener with OAuth installs on a free port; the fake sends requests to it."""
    ctx = oauth_context(ctx, slack, db=db, minutes=minutes)
    bot = build_bot(ctx)
    app = installed_app(ctx.settings, bot)
    assert app.oauth is not None
    routes = [events_route(app, slack.signing_secret, bot.metrics), *app.oauth.routes()]
    async with listening(web_app(bot, routes), "127.0.0.1", 0) as port:
        base = f"http://127.0.0.1:{port}"
        slack.app_url = f"{base}/slack/events"
        try:
            yield Installed(app, base)
        finally:
            await app.idle()


async def install(
    base: str, slack: FakeSlack, team: str | None, *, code: str | None = None, **grant: Any
) -> tuple[int, str, list[str]]:
    """An admin opens /slack/install, approves on Slack, and comes back: (status, page, scopes asked).

    ``code``: come back with this code instead of the one Slack gave (a forged or spent one).
    """
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{base}/slack/install", allow_redirects=False) as sent:
            assert sent.status == 302, await sent.text()
            query = parse_qs(urlparse(sent.headers["Location"]).query)
            # The state cookie is Secure (Slack requires https); the browser sends it back.
            cookie = sent.headers["Set-Cookie"].split(";")[0]
        code = code or slack.approve(team, **grant)
        back = urlencode({"code": code, "state": query["state"][0]})
        async with http.get(f"{base}/slack/oauth_redirect?{back}", headers={"Cookie": cookie}) as done:
            return done.status, await done.text(), query["scope"][0].split(",")


def in_team(payload: dict[str, Any], team: str, enterprise: str | None = None, *, org_wide: bool = False
            ) -> dict[str, Any]:  # fmt: skip
    """``payload`` (a command form, a click, an event envelope) as sent from workspace ``team``."""
    found = dict(payload)
    if "command" in found:
        found |= {
            "team_id": team,
            "team_domain": team.lower(),
            "is_enterprise_install": str(org_wide).lower(),
        }
        if enterprise:
            found |= {"enterprise_id": enterprise, "enterprise_name": "Org"}
        return found
    if found.get("type") == "event_callback":
        authorization = {"enterprise_id": enterprise, "team_id": None if org_wide else team,
                         "user_id": "UBOT", "is_bot": True, "is_enterprise_install": org_wide}  # fmt: skip
        return found | {"team_id": team, "context_team_id": team, "enterprise_id": enterprise,
                        "authorizations": [authorization]}  # fmt: skip
    found["team"] = {"id": team, "domain": team.lower()}
    found["user"] = {**found["user"], "team_id": team}
    found["enterprise"] = {"id": enterprise, "name": "Org"} if enterprise else None
    found["is_enterprise_install"] = org_wide
    return found


async def command_in(
    slack: FakeSlack, team: str, text: str, *, user: str, channel: str, url: str | None = None, **org: Any
) -> tuple[int, str]:
    """``/prep TEXT`` by ``user`` in ``channel`` of workspace ``team``."""
    form = fixture(
        "slash_command",
        text=text,
        user_id=user,
        user_name=slack.users[user].name if user in slack.users else user.lower(),
        channel_id=channel,
        trigger_id=f"{uuid.uuid4().hex[:12]}",
        response_url=slack.response_url(),
    )
    body = urlencode(in_team(form, team, **org)).encode()
    return await slack.deliver(body, "application/x-www-form-urlencoded", url=url)


async def event_in(slack: FakeSlack, team: str, event: dict[str, Any], **org: Any) -> tuple[int, str]:
    """An Events API callback from workspace ``team``."""
    envelope = fixture("event_callback", event=event, event_id=f"Ev{uuid.uuid4().hex[:10]}")
    return await slack.resend_event(in_team(envelope, team, **org))


async def click_in(slack: FakeSlack, team: str, payload: dict[str, Any], **org: Any) -> tuple[int, str]:
    """A click from workspace ``team``."""
    return await slack.click(in_team(payload, team, **org))


def tokens_used(slack: FakeSlack, *, since: int = 0) -> list[tuple[str, str]]:
    """(method, token) of the Web API calls after the ``since``-th, the OAuth exchange left out."""
    return [(c.method, c.token) for c in slack.calls[since:] if c.method != "oauth.v2.access"]


async def near_expiry(app: SlackApp, slack: FakeSlack, team: str, *, seconds: int = 60) -> None:
    """Hours pass: the workspace's token now expires in ``seconds``, on Slack and in the stored install."""
    assert app.oauth is not None
    store = app.oauth.store
    installation = await store.async_find_installation(enterprise_id=None, team_id=team)
    assert installation is not None
    installation.bot_token_expires_at = int(time.time()) + seconds
    await store.async_save(installation)
    slack.expire_now(team, in_seconds=seconds)
