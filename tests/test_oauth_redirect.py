"""``GET /slack/oauth_redirect`` with what a browser can bring back: bad requests get a 400 page.

A missing code or state, a state never issued or already used, a cancelled install
(Slack's ``error=access_denied``) and a code Slack refuses each get a 400 page that
names the reason and links to ``/slack/install``; none is a 5xx, and nothing is stored.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlparse

import aiohttp
import pytest

from bot.services.context import ServiceContext
from tests.support.fake_slack import FakeSlack
from tests.support.slack_oauth import install, installed_app_on

ALPHA = "T0ALPHA"


async def started(http: aiohttp.ClientSession, base: str) -> tuple[str, str]:
    """Open /slack/install: (the state Slack is sent, the state cookie set for the browser)."""
    async with http.get(f"{base}/slack/install", allow_redirects=False) as sent:
        assert sent.status == 302
        state = parse_qs(urlparse(sent.headers["Location"]).query)["state"][0]
        return state, sent.headers["Set-Cookie"].split(";")[0]


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("nothing", "invalid_browser"),
        ("code without state", "invalid_browser"),
        ("state never issued", "invalid_state"),
        ("no code", "missing_code"),
        ("cancelled", "access_denied"),
        ("spent code", "invalid_code"),
        ("html in the error", "returned from Slack"),  # escaped, never markup
    ],
)
async def test_a_bad_redirect_is_a_400_with_a_way_forward(
    ctx: ServiceContext, case: str, reason: str
) -> None:
    async with FakeSlack() as slack, installed_app_on(ctx, slack) as running:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            state, cookie = await started(http, running.base)
            query: dict[str, str] = {
                "nothing": {},
                "code without state": {"code": "c-1"},
                "state never issued": {"code": "c-1", "state": "never-issued"},
                "no code": {"state": state},
                "cancelled": {"error": "access_denied", "state": state},
                "spent code": {"code": "code-forged", "state": state},
                "html in the error": {"error": "<b>x</b>", "state": state},
            }[case]
            # A state never issued comes with a cookie that matches it (the browser check passes).
            forged = case == "state never issued"
            cookies = {"Cookie": "slack-app-oauth-state=never-issued" if forged else cookie}
            url = f"{running.base}/slack/oauth_redirect?{urlencode(query)}"
            async with http.get(url, headers=cookies) as back:
                page = await back.text()
        assert back.status == 400, (back.status, page)
        assert reason in page and "/slack/install" in page
        assert "<b>" not in page
        assert running.app.oauth is not None
        assert (
            await running.app.oauth.store.async_find_installation(enterprise_id=None, team_id=ALPHA) is None
        )


async def test_a_used_state_cannot_install_twice(ctx: ServiceContext) -> None:
    """The redirect replayed (a reload, or someone else holding the link) after a good install: 400."""
    async with FakeSlack() as slack, installed_app_on(ctx, slack) as running:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            state, cookie = await started(http, running.base)
            back = f"{running.base}/slack/oauth_redirect?" + urlencode(
                {"code": slack.approve(ALPHA), "state": state}
            )
            async with http.get(back, headers={"Cookie": cookie}) as first:
                assert first.status == 200
            async with http.get(back, headers={"Cookie": cookie}) as again:
                page = await again.text()
        assert again.status == 400 and "invalid_state" in page and "/slack/install" in page
        assert (await install(running.base, slack, ALPHA))[0] == 200  # starting again works
