"""The Prometheus exposition and the JSON log lines."""

from __future__ import annotations

import json
import logging

from bot.logs import JsonFormatter
from bot.metrics import Metrics


def test_counters_and_histograms_render_in_prometheus_text() -> None:
    metrics = Metrics()
    metrics.inc("prepbot_commands_total", command="quiz")
    metrics.inc("prepbot_commands_total", command="quiz")
    metrics.inc("prepbot_errors_total", kind='db "down"')
    metrics.observe("prepbot_ack_seconds", 0.02)
    metrics.observe("prepbot_ack_seconds", 7.0)
    text = metrics.render()
    assert 'prepbot_commands_total{command="quiz"} 2' in text
    assert 'prepbot_errors_total{kind="db \\"down\\""} 1' in text
    assert 'prepbot_ack_seconds_bucket{le="0.025"} 1' in text
    assert 'prepbot_ack_seconds_bucket{le="5"} 1' in text
    assert 'prepbot_ack_seconds_bucket{le="+Inf"} 2' in text
    assert "prepbot_ack_seconds_count 2" in text
    assert "# TYPE prepbot_ack_seconds histogram" in text


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
