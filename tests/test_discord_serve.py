"""`prepbot serve discord` as a process against the fake Discord, and sharding."""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from adapters.discord.server import NO_INTENT
from bot.content import Library
from tests.support.discord_harness import running_bot
from tests.support.discord_payloads import MEMBER_PERMISSIONS
from tests.support.fake_discord import TOKEN, FakeDiscord

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PREPBOT_", "SLACK_"))}
    env.update(PREPBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'prepbot.db'}", **values)
    return env


async def prepbot(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "host.cli",
        *args,
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_serve_without_a_token_says_so_and_exits_non_zero(tmp_path: Path) -> None:
    process = await prepbot("serve", "discord", env=environment(tmp_path))
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "DISCORD_BOT_TOKEN" in err.decode() and "Traceback" not in err.decode()


async def test_serve_with_a_rejected_token_says_so(tmp_path: Path, fake: FakeDiscord) -> None:
    env = environment(tmp_path, DISCORD_BOT_TOKEN="wrong", DISCORD_API_URL=fake.api_url)
    process = await prepbot("serve", "discord", "--no-migrate", env=env)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "rejected DISCORD_BOT_TOKEN (401 on login)" in err.decode() and "Traceback" not in err.decode()
    assert len(err.decode().strip().splitlines()) == 1


async def test_serve_stops_when_the_gateway_refuses_the_token_with_4004(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    fake.gateway_token = "reset-in-the-portal"  # REST still takes the old token; the gateway does not
    env = environment(
        tmp_path,
        DISCORD_BOT_TOKEN=TOKEN,
        DISCORD_API_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        PREPBOT_HOST="127.0.0.1",
        PREPBOT_PORT=str(free_port()),
    )
    process = await prepbot("serve", "discord", "--no-migrate", env=env)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2, err.decode()[-2000:]
    assert "Traceback" not in err.decode()
    assert "rejected DISCORD_BOT_TOKEN (gateway close code 4004)" in err.decode().strip().splitlines()[-1]


async def test_serve_with_message_content_on_stops_when_discord_refuses_it(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    fake.message_content_allowed = False
    env = environment(
        tmp_path,
        DISCORD_BOT_TOKEN=TOKEN,
        DISCORD_API_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        PREPBOT_DISCORD_MESSAGE_CONTENT="on",
    )
    process = await prepbot("serve", "discord", env=env)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2  # a configuration to fix, like a missing token
    assert NO_INTENT in err.decode() and "Traceback" not in err.decode()
    assert "discord.com/developers" in NO_INTENT and "PREPBOT_DISCORD_MESSAGE_CONTENT=auto" in NO_INTENT


async def test_serve_by_default_runs_without_a_refused_intent_and_logs_one_line(
    tmp_path: Path, fake: FakeDiscord
) -> None:
    fake.message_content_allowed = False
    env = environment(
        tmp_path,
        DISCORD_BOT_TOKEN=TOKEN,
        DISCORD_API_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        PREPBOT_HOST="127.0.0.1",
        PREPBOT_PORT=str(free_port()),
    )
    process = await prepbot("serve", "discord", env=env)
    try:
        await asyncio.wait_for(fake.identified.wait(), 60)
        assert [bool(i & (1 << 15)) for i in fake.identifies] == [True, False]
        await fake.dispatch("INTERACTION_CREATE", fake.command("alice", "help"))
        await fake.until(lambda: fake.whispers("alice"), timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()[-2000:]
    lines = [line for line in err.decode().splitlines() if "Message Content intent" in line]
    assert len(lines) == 1 and "connecting without it" in lines[0] and "Answer button" in lines[0]


async def test_serve_connects_registers_answers_and_stops_cleanly(tmp_path: Path, fake: FakeDiscord) -> None:
    port = free_port()
    env = environment(
        tmp_path,
        DISCORD_BOT_TOKEN=TOKEN,
        DISCORD_API_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
        PREPBOT_HOST="127.0.0.1",
        PREPBOT_PORT=str(port),
    )
    process = await prepbot("serve", "discord", env=env)
    try:
        await asyncio.wait_for(fake.identified.wait(), 60)
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200 and (await response.json())["database"] == "ok"
        assert fake.shards[0].intents & (1 << 15)  # Message Content
        await fake.until(lambda: fake.command_writes == ["global"], timeout=30)
        await fake.dispatch("INTERACTION_CREATE", fake.command("alice", "help"))
        reply = await fake.until(lambda: fake.whispers("alice"), timeout=30)
        assert "/prep quiz" in (reply[0]["content"] + str(reply[0]["embeds"]))
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()[-2000:]
    assert "Traceback" not in err.decode()


async def test_sharded_client_asks_for_shards_and_serves_its_guild(tmp_path: Path, library: Library) -> None:
    fake = await FakeDiscord(shards=2).start()
    try:
        url = f"sqlite+aiosqlite:///{tmp_path / 'prepbot.db'}"
        async with running_bot(fake, url, library, PREPBOT_DISCORD_SHARDED=True) as app:
            await fake.until(lambda: len(fake.shards) == 2, timeout=30)
            assert ("GET", "/api/v10/gateway/bot") in fake.requests
            assert sorted(s.shard for s in fake.shards) == [(0, 2), (1, 2)]
            await fake.dispatch("INTERACTION_CREATE", fake.command("carol", "topics"))
            reply = await fake.until(lambda: fake.whispers("carol"))
            assert "culture-values" in str(reply[0]["embeds"])
            assert app.client.get_guild(int(fake.guild_id)) is not None
    finally:
        await fake.close()


def test_member_permissions_in_fixtures_lack_manage_server() -> None:
    assert not MEMBER_PERMISSIONS & (1 << 5)


async def test_a_client_closed_before_ready_fires_leaves_no_failing_task(
    fake: FakeDiscord, sqlite_url: str, library: Library
) -> None:
    """discord.py fires READY from a task that first waits 2 s for more guilds: closing cancels it."""
    loop = asyncio.get_running_loop()
    failures: list[dict[str, object]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: failures.append(context))
    try:
        async with running_bot(fake, sqlite_url, library):
            pass  # stopped at once, as by a SIGTERM during start
        await asyncio.sleep(2.5)  # past the wait: a READY task still pending would fail now
        gc.collect()
    finally:
        loop.set_exception_handler(previous)
    assert failures == []
