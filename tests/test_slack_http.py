"""The HTTP edge of the Slack adapter: signatures, malformed and oversized bodies, health.

Every request goes to the real aiohttp listener on a loopback port; nothing bad
may reach the database, and no answer is a 500.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlmodel import func, select

from adapters.slack.app import SlackApp
from bot.services.context import ServiceContext
from bot.store.models import Delivery, Space
from tests.support.fake_slack import FakeSlack, fixture, slack_app_on

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def slack(ctx: ServiceContext) -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake, slack_app_on(ctx, fake):
        fake.add_user("U0ALICE", "alice")
        yield fake


async def _post(slack: FakeSlack, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.post(slack.app_url, data=body, headers=headers) as r:
        return r.status, await r.text()


async def _rows(ctx: ServiceContext) -> tuple[int, int]:
    async with ctx.db.unit() as session:
        spaces = (await session.execute(select(func.count()).select_from(Space))).scalar_one()
        deliveries = (await session.execute(select(func.count()).select_from(Delivery))).scalar_one()
    return int(spaces), int(deliveries)


def _api_calls(slack: FakeSlack) -> list[str]:
    """Web API calls beyond the auth.test made at start."""
    return [c.method for c in slack.calls if c.method != "auth.test"]


def _command_body() -> bytes:
    return urlencode(fixture("slash_command", text="help")).encode()


async def test_unsigned_badly_signed_and_stale_get_401(slack: FakeSlack, ctx: ServiceContext) -> None:
    body = _command_body()
    cases = [
        {"Content-Type": FORM},
        {"Content-Type": FORM, **slack.sign(body, secret="not-the-secret")},
        {"Content-Type": FORM, **slack.sign(body, timestamp=int(time.time()) - 301)},
        {"Content-Type": FORM, **slack.sign(body, timestamp=int(time.time()) + 600)},
        {"Content-Type": FORM, **slack.sign(body), "X-Slack-Request-Timestamp": "soon"},
        {"Content-Type": FORM, **slack.sign(b"other body")},
    ]
    for headers in cases:
        status, text = await _post(slack, body, headers)
        assert status == 401 and text.strip() and "Traceback" not in text
    assert _api_calls(slack) == [] and await _rows(ctx) == (0, 0)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", FORM),
        (b"\xff\xfe not utf-8", FORM),
        (b"this is not a form", FORM),
        (b"payload=%7Bnot+json", FORM),
        (b"payload=%5B1%2C2%5D", FORM),
        (urlencode({"payload": json.dumps({"type": "block_actions", "actions": "x"})}).encode(), FORM),
        (urlencode({"command": "/prep", "text": "help"}).encode(), FORM),
        (b"{not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (json.dumps({"type": "event_callback", "event": {"type": "message"}}).encode(), "application/json"),
        (json.dumps({"type": "url_verification"}).encode(), "application/json"),
    ],
)
async def test_malformed_bodies_get_400(
    slack: FakeSlack, ctx: ServiceContext, body: bytes, content_type: str
) -> None:
    status, text = await slack.deliver(body, content_type)
    assert status == 400 and text.strip() and "Traceback" not in text
    assert _api_calls(slack) == [] and await _rows(ctx) == (0, 0)


async def test_bodies_over_one_mebibyte_get_413(slack: FakeSlack, ctx: ServiceContext) -> None:
    body = urlencode({"command": "/prep", "text": "x" * (1024 * 1024)}).encode()
    status, text = await slack.deliver(body, FORM)
    assert status == 413 and text.strip()
    # Unsigned and oversized: still 413 (the body is never read past the limit).
    status, text = await _post(slack, body, {"Content-Type": FORM})
    assert status == 413 and text.strip()
    assert await _rows(ctx) == (0, 0)


async def test_url_verification_echoes_the_challenge(slack: FakeSlack) -> None:
    envelope = fixture("url_verification")
    status, text = await slack.deliver(json.dumps(envelope).encode(), "application/json")
    assert status == 200 and json.loads(text) == {"challenge": envelope["challenge"]}


async def test_events_and_interactions_the_bot_does_not_use_still_get_2xx(slack: FakeSlack) -> None:
    _, (status, _) = await slack.event(fixture("reaction_added"))
    assert status == 200
    _, (status, _) = await slack.event({"type": "member_joined_channel", "user": "U0ALICE"})
    assert status == 200
    shortcut = {"type": "shortcut", "callback_id": "x", "trigger_id": "1.2.3", "user": {"id": "U0ALICE"}}
    status, _ = await slack.deliver(urlencode({"payload": json.dumps(shortcut)}).encode(), FORM)
    assert status == 200
    closed = {"type": "view_closed", "user": {"id": "U0ALICE"}, "team": {"id": "T0PREP"}, "view": {}}
    status, _ = await slack.deliver(urlencode({"payload": json.dumps(closed)}).encode(), FORM)
    assert status == 200
    status, _ = await slack.deliver(urlencode({"ssl_check": "1", "token": "x"}).encode(), FORM)
    assert status == 200


async def test_healthz_reports_a_reachable_database(slack: FakeSlack) -> None:
    url = slack.app_url.replace("/slack/events", "/healthz")
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        assert (await response.json())["status"] == "ok"
    metrics = slack.app_url.replace("/slack/events", "/metrics")
    async with aiohttp.ClientSession() as http, http.get(metrics) as response:
        assert response.status == 200


async def test_a_request_bolt_cannot_read_is_a_400_logged_once_without_traceback(
    ctx: ServiceContext, caplog: pytest.LogCaptureFixture
) -> None:
    """Before the ack only bolt reading the payload can fail: the sender's fault, never a 5xx."""
    async with FakeSlack() as fake, slack_app_on(ctx, fake) as app:

        async def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("boom")

        app.bolt.async_dispatch = broken  # type: ignore[method-assign,assignment]
        with caplog.at_level(logging.WARNING):
            status, text = await fake.deliver(_command_body(), FORM)
        assert status == 400 and "boom" not in text and "Traceback" not in text
        warnings = [r for r in caplog.records if "could not read" in r.getMessage()]
        assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
        assert warnings[0].exc_info is None and "kind=command" in warnings[0].getMessage()


async def test_bolt_failing_inside_its_middleware_is_a_400_not_a_traceback(
    ctx: ServiceContext, caplog: pytest.LogCaptureFixture
) -> None:
    """A listener matcher that raises on a payload's shape goes through bolt's error handler."""
    async with FakeSlack() as fake, slack_app_on(ctx, fake) as app:

        async def unreadable(body: dict[str, object]) -> bool:
            raise AttributeError("'NoneType' object has no attribute 'get'")

        app.bolt.action(re.compile(".*"), matchers=[unreadable])(app._just_ack)
        app.bolt._async_listeners.insert(0, app.bolt._async_listeners.pop())
        with caplog.at_level(logging.WARNING):
            status, text = await fake.deliver(
                urlencode({"payload": json.dumps(fixture("block_actions"))}).encode(), FORM
            )
        assert status == 400 and "Traceback" not in text
        assert not [r for r in caplog.records if r.exc_info], "no traceback in the log"
        assert any("kind=block_actions" in r.getMessage() for r in caplog.records)


def test_slack_app_needs_no_network_to_build(ctx: ServiceContext) -> None:
    from adapters.slack.port import make_client
    from bot.features import build_bot

    app = SlackApp(build_bot(ctx), make_client("xoxb-x", "http://127.0.0.1:9/api"))
    assert app.client.base_url == "http://127.0.0.1:9/api/"


async def test_a_failure_after_the_ack_is_logged_with_its_context_not_its_text(
    ctx: ServiceContext, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeSlack() as fake, slack_app_on(ctx, fake) as app:

        async def failing(*args: object, **kwargs: object) -> None:
            raise RuntimeError("the core fell over")

        app.bot.handle = failing  # type: ignore[method-assign]
        body = fixture("slash_command", text="quiz secret-words-of-a-member")
        with caplog.at_level(logging.WARNING):
            status, _ = await fake.deliver(urlencode(body).encode(), FORM)
            await app.idle()
        assert status == 200
        failures = [r for r in caplog.records if "after the ack" in r.getMessage()]
        assert len(failures) == 1
        line = failures[0].getMessage()
        assert f"team={body['team_id']}" in line and f"channel={body['channel_id']}" in line
        assert "kind=command" in line and "secret-words" not in line
