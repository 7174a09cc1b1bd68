"""A process killed in the middle of a fan-out, then restarted: every channel gets its post, once.

The first ``prepbot serve slack`` starts posting to twenty channels under a tight
rate limit and is killed with SIGKILL part-way. A second process on the same
database finishes the job: claims not sent yet are sent, claims whose sender died
mid-send are taken over once their lease runs out, and a post that reached Slack
before the crash is found by its key instead of being sent again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import socket
import sys
from collections import Counter
from pathlib import Path

from bot.domain import ChannelRef, SpaceRef
from bot.store.engine import Database
from bot.store.migrate import upgrade
from bot.store.tenants import ensure_channel
from tests.support.fake_slack import FakeSlack
from tests.support.slack_wire import TEAM

ROOT = Path(__file__).resolve().parents[1]
CHANNELS = [f"C0FAN{n:02d}" for n in range(20)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _schedule_all(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db)
        now = dt.datetime.now(dt.UTC)
        async with db.unit() as session:
            for external_id in CHANNELS:
                channel = await ensure_channel(session, ref=ChannelRef(SpaceRef("slack", TEAM), external_id))
                channel.post_time = (now - dt.timedelta(minutes=1)).strftime("%H:%M")
                channel.schedule_from = now - dt.timedelta(hours=1)
                session.add(channel)
    finally:
        await db.dispose()


def _delivered(slack: FakeSlack) -> Counter[str]:
    return Counter(c["channel"] for c in slack.calls if c.method == "chat.postMessage" and c.result.get("ok"))


async def _serve(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "host.cli", "serve", "slack",
        env=env | {"PREPBOT_PORT": str(_free_port())}, cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def test_a_killed_fan_out_is_finished_by_the_next_process_without_doubles(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fanout.db'}"
    await _schedule_all(url)
    async with FakeSlack(posts_per_second=2, retry_after=1) as slack:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
        env |= {
            "PREPBOT_DATABASE_URL": url,
            "SLACK_BOT_TOKEN": "xoxb-fanout",
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_API_URL": slack.api_url,
            "PREPBOT_HOST": "127.0.0.1",
        }
        first = await _serve(env)
        try:
            await slack.wait_for(lambda: len(_delivered(slack)) >= 4, timeout=60)
        finally:
            first.send_signal(signal.SIGKILL)
            await first.wait()
        killed_at = len(_delivered(slack))
        assert killed_at < len(CHANNELS), "the first process finished before it could be killed"

        second = await _serve(env)
        try:
            await slack.wait_for(lambda: set(_delivered(slack)) == set(CHANNELS), timeout=90)
            await asyncio.sleep(6)  # a tick or more for any double to show up
        finally:
            second.terminate()
            await asyncio.wait_for(second.wait(), 30)
    counts = _delivered(slack)
    assert set(counts) == set(CHANNELS)
    assert [c for c, n in counts.items() if n > 1] == []
