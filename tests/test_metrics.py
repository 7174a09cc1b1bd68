"""The Prometheus exposition and the JSON log lines."""

from __future__ import annotations

import asyncio
import json
import logging
import platform

import aiohttp

from bot.clock import SystemClock
from bot.content import Library
from bot.domain import ChannelRef, SpaceRef
from bot.logs import JsonFormatter
from bot.metrics import Metrics, build_version
from bot.render import OutboundMessage
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store.engine import Database
from bot.store.migrate import upgrade
from tests.support.fake_slack import FakeSlack, slack_app_on


def test_counters_and_histograms_render_in_prometheus_text() -> None:
    metrics = Metrics()
    metrics.inc("prepbot_commands_total", command="quiz")
    metrics.inc("prepbot_commands_total", command="quiz")
    metrics.inc("prepbot_errors_total", kind="database")
    metrics.inc("prepbot_errors_total", kind="KeyError")  # not one of the kinds: counted as internal
    metrics.observe("prepbot_ack_seconds", 0.02)
    metrics.observe("prepbot_ack_seconds", 7.0)
    text = metrics.render()
    assert 'prepbot_commands_total{command="quiz"} 2.0' in text
    assert 'prepbot_errors_total{kind="database"} 1.0' in text
    assert 'prepbot_errors_total{kind="internal"} 1.0' in text
    assert 'prepbot_errors_total{kind="too_large"} 0.0' in text  # every kind shows from the start
    assert "KeyError" not in text
    assert 'prepbot_ack_seconds_bucket{le="0.025"} 1.0' in text
    assert 'prepbot_ack_seconds_bucket{le="5.0"} 1.0' in text
    assert 'prepbot_ack_seconds_bucket{le="+Inf"} 2.0' in text
    assert "prepbot_ack_seconds_count 2.0" in text
    assert "# TYPE prepbot_ack_seconds histogram" in text
    assert "_created" not in text


def test_each_metrics_object_counts_on_its_own_and_carries_process_and_build_series() -> None:
    first, second = Metrics(), Metrics()
    first.inc("prepbot_votes_total", change="cast")
    assert first.value("prepbot_votes_total", change="cast") == 1
    assert second.value("prepbot_votes_total", change="cast") == 0
    text = second.render()
    assert "process_cpu_seconds_total" in text and "process_resident_memory_bytes" in text
    assert (
        f'prepbot_build_info{{python="{platform.python_version()}",version="{build_version()}"}} 1.0' in text
    )
    for where in ("slack", "discord"):
        assert f'prepbot_rate_limited_total{{platform="{where}"}} 0.0' in text


async def test_metrics_over_http_show_process_series_and_the_429s_slack_made_us_wait(
    sqlite_url: str, library: Library
) -> None:
    db = Database(sqlite_url)
    await upgrade(db)
    ctx = ServiceContext(db=db, library=library, clock=SystemClock(), settings=Settings())
    try:
        async with FakeSlack(posts_per_second=1) as slack, slack_app_on(ctx, slack) as app:
            channel = ChannelRef(SpaceRef("slack", "T0PREP"), "C0GENERAL")
            await asyncio.gather(
                *(app.port.post(channel, OutboundMessage(text=f"post {n}")) for n in range(3))
            )
            refused = sum(1 for c in slack.calls if c.status == 429)
            assert refused >= 1
            async with aiohttp.ClientSession() as http:
                url = slack.app_url.replace("/slack/events", "/metrics")
                async with http.get(url) as response:
                    assert response.status == 200
                    assert response.headers["Content-Type"].startswith("text/plain; version=")
                    text = await response.text()
    finally:
        await db.dispose()
    assert "process_cpu_seconds_total" in text and "prepbot_build_info{" in text
    assert f'prepbot_rate_limited_total{{platform="slack"}} {float(refused)}' in text
    waited = next(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith('prepbot_rate_limit_wait_seconds_total{platform="slack"}')
    )
    assert waited >= 0.5  # Retry-After: 1, spent in the pacer's hold


def test_json_log_lines_carry_extra_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "prepbot.x", "levelno": 20, "levelname": "INFO", "msg": "posted %s", "args": ("m1",)}
    )
    record.channel = "C1"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "posted m1" and line["channel"] == "C1" and line["level"] == "info"


async def test_the_core_counts_commands_posts_and_votes(session) -> None:  # type: ignore[no-untyped-def]
    session.admins.add("alice")
    await session.push("alice: /prep prompt")
    await session.push("bob: reply Roll back first, then explain to the partner team what I assumed.")
    await session.push("carol: press Vote")
    await session.push("carol: press 1")
    await session.push("carol: press 1")
    await session.push("alice: /prep reveal")
    metrics = session.bot.ctx.metrics
    assert metrics.value("prepbot_commands_total", command="prompt") == 1
    assert metrics.value("prepbot_posts_total", kind="prompt") == 1
    assert metrics.value("prepbot_posts_total", kind="digest") == 1
    assert metrics.value("prepbot_votes_total", change="cast") == 1
    assert metrics.value("prepbot_votes_total", change="withdrawn") == 1
