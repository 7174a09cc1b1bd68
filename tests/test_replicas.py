"""Two real ``prepbot serve slack`` processes on one PostgreSQL database keep every guarantee.

Both start together (migrations under the advisory lock), both run the scheduler
and find the same post due, both receive the same answer event and the same vote
click at the same moment: one post, one answer, one vote.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.domain import ChannelRef, SpaceRef
from bot.store.engine import Database
from bot.store.migrate import upgrade
from bot.store.models import AnswerPart, PromptPost, Vote
from bot.store.tenants import ensure_channel
from tests.support.fake_slack import FakeSlack, buttons, fixture
from tests.support.postgres import PostgresCluster
from tests.support.slack_wire import TEAM

ROOT = Path(__file__).resolve().parents[1]
CHANNEL = "C0REPLICA"
MEMBERS = {"U0ADA": "ada", "U0BOB": "bob", "U0CAT": "cat"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _schedule_a_post_due_now(url: str) -> None:
    """A channel whose daily post was due a minute ago: both replicas' catch-up will see it."""
    db = Database(url)
    try:
        await upgrade(db)
        now = dt.datetime.now(dt.UTC)
        async with db.unit() as session:
            channel = await ensure_channel(
                session, ref=ChannelRef(SpaceRef("slack", TEAM), CHANNEL, "replicas")
            )
            channel.post_time = (now - dt.timedelta(minutes=1)).strftime("%H:%M")
            channel.timezone = "UTC"
            channel.schedule_from = now - dt.timedelta(hours=1)
            session.add(channel)
    finally:
        await db.dispose()


@pytest.fixture
async def replicas(postgres: PostgresCluster) -> AsyncIterator[tuple[FakeSlack, list[str], str]]:
    url = postgres.new_database()
    await _schedule_a_post_due_now(url)
    async with FakeSlack() as slack:
        for user, name in MEMBERS.items():
            slack.add_user(user, name)
        ports = [_free_port(), _free_port()]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
        env |= {
            "PREPBOT_DATABASE_URL": url,
            "SLACK_BOT_TOKEN": "xoxb-replica",
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_API_URL": slack.api_url,
            "PREPBOT_HOST": "127.0.0.1",
        }
        processes = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "host.cli", "serve", "slack",
                env=env | {"PREPBOT_PORT": str(port)}, cwd=ROOT,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )
            for port in ports
        ]  # fmt: skip
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        try:
            await asyncio.gather(*(_healthy(u) for u in urls))
            yield slack, urls, url
        finally:
            for process in processes:
                process.terminate()
            await asyncio.gather(*(asyncio.wait_for(p.wait(), 30) for p in processes))


async def _healthy(base: str) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"{base} never became healthy")


async def _to_both(slack: FakeSlack, urls: list[str], body: bytes, content_type: str) -> None:
    """The same signed delivery to both replicas at once (a retry landing on the other one)."""
    headers = {"Content-Type": content_type, **slack.sign(body)}
    async with aiohttp.ClientSession() as http:

        async def post(base: str) -> int:
            async with http.post(f"{base}/slack/events", data=body, headers=headers) as response:
                return response.status

        assert await asyncio.gather(*(post(u) for u in urls)) == [200, 200]


async def _count(url: str, model: type) -> int:
    db = Database(url)
    try:
        async with db.unit() as session:
            return int((await session.execute(select(func.count()).select_from(model))).scalar_one())
    finally:
        await db.dispose()


async def test_two_processes_post_once_record_once_and_count_once(
    replicas: tuple[FakeSlack, list[str], str],
) -> None:
    slack, urls, db_url = replicas
    post = await slack.wait_for(lambda: slack.sent("chat.postMessage", channel=CHANNEL), timeout=30)
    await asyncio.sleep(3)  # both schedulers had their chance
    posts = slack.sent("chat.postMessage", channel=CHANNEL)
    assert len(posts) == 1 and await _count(db_url, PromptPost) == 1
    root = post[0].ts

    # Long enough to be an answer, not a comment (PREPBOT_MIN_ANSWER_CHARS).
    LONG_ENOUGH = "roll back first, then tell the team what I assumed and why."  # noqa: N806
    for n, user in enumerate(("U0BOB", "U0CAT"), start=1):
        reply = fixture("message_thread_reply") | {
            "user": user, "text": f"answer {n}: {LONG_ENOUGH}", "thread_ts": root, "ts": slack.new_ts(),
            "channel": CHANNEL,
        }  # fmt: skip
        envelope = fixture("event_callback", event=reply, event_id=f"EvReplica{n}")
        await _to_both(slack, urls, json.dumps(envelope).encode(), "application/json")
    await _settle(lambda: _count(db_url, AnswerPart), 2)

    vote_button = next(b for b in buttons(posts[0]) if b["text"]["text"].startswith("Vote"))
    payload = slack.click_payload(posts[0], vote_button, user="U0ADA")
    await _to_both(
        slack, urls, urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"
    )
    ballots = await slack.wait_for(lambda: slack.sent("chat.postEphemeral", user="U0ADA"), timeout=10)
    await asyncio.sleep(1)
    assert len(slack.sent("chat.postEphemeral", user="U0ADA")) == 1, "one press opened two ballots"
    answer_button = buttons(ballots[0])[0]
    click = slack.click_payload(ballots[0], answer_button, user="U0ADA", ephemeral=True)
    await _to_both(
        slack, urls, urlencode({"payload": json.dumps(click)}).encode(), "application/x-www-form-urlencoded"
    )
    await _settle(lambda: _count(db_url, Vote), 1)
    await asyncio.sleep(1)
    assert await _count(db_url, Vote) == 1
    assert await _count(db_url, AnswerPart) == 2


async def _settle(read, expected: int, timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await read() == expected:
            return
        await asyncio.sleep(0.2)
    assert await read() == expected
