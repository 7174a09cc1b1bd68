"""Idle memory (RSS) of `prepbot serve slack` and its time to a healthy /healthz, against a bare bolt app.

Real processes on 127.0.0.1: ``prepbot serve slack`` (HTTP mode; a fresh SQLite
file in a temp dir, so start-up includes giving it the schema, from the snapshot as
for any new file (``bot.store.schema``); fake ``SLACK_*`` values and
``SLACK_API_URL`` pointing at the fake Slack of ``tests/support`` in this process)
and the baseline of :mod:`bench.servers` (a bolt ``AsyncApp`` on bolt's aiohttp
adapter with only an acking ``/prep`` and a ``/healthz`` that answers 200 as soon
as it listens). Start time is from ``Popen`` to the first 200 from ``GET /healthz``
(polled every 10 ms), the median of ``STARTS`` alternating starts; RSS is VmRSS
from ``/proc/PID/status`` after ``IDLE_S`` idle seconds past healthy, the median
over the same starts.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from pathlib import Path

from bench.common import Result
from bench.servers import bare_slack, prepbot_slack, serving
from tests.support.fake_slack import FakeSlack

STARTS = 3
IDLE_S = 3.0


async def _measure(command: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    """(seconds to healthy, idle RSS in MiB) of one fresh process."""
    async with serving(command, env, log) as server:
        start_s = await server.healthy()
        await asyncio.sleep(IDLE_S)
        return start_s, server.rss_kib() / 1024


async def run() -> list[Result]:
    ours: list[tuple[float, float]] = []
    bare: list[tuple[float, float]] = []
    async with FakeSlack() as fake:
        for n in range(STARTS):
            with tempfile.TemporaryDirectory(prefix="prepbot-bench-") as tmp:
                folder = Path(tmp)
                (folder / "ours").mkdir()
                (folder / "bare").mkdir()
                command, env = prepbot_slack(folder / "ours", fake.api_url)
                ours.append(await _measure(command, env, folder / "ours" / f"server{n}.log"))
                command, env = bare_slack(folder / "bare", fake.api_url)
                bare.append(await _measure(command, env, folder / "bare" / f"server{n}.log"))

    def median(values: list[tuple[float, float]], index: int) -> float:
        return statistics.median(v[index] for v in values)

    starts = ", ".join(f"{s:.2f}" for s, _ in ours)
    return [
        Result(
            "idle RSS of `prepbot serve slack` (HTTP mode)",
            median(ours, 1),
            median(bare, 1),
            "MiB",
            note=f"median of {STARTS} processes, {IDLE_S:.0f} s after healthy",
        ),
        Result(
            "start to healthy /healthz (new SQLite file)",
            median(ours, 0),
            median(bare, 0),
            "s",
            note=f"prepbot starts: {starts} s; baseline: time to listening",
        ),
    ]
