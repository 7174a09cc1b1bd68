"""The host: one process imports only its own platform's SDK, and serves the same endpoints for both."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from pathlib import Path

from tests.support.fake_discord import TOKEN, FakeDiscord
from tests.support.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[1]


# Runs the host as `prepbot serve PLATFORM` does, until /healthz answers (and Discord's
# gateway is ready), then prints which platform SDKs the process has loaded and stops.
PROBE = """
import asyncio, json, sys
import aiohttp
from bot.runtime import running_core
from bot.settings import load
from host.process import load_connector, run

async def main(platform: str) -> None:
    settings = load()
    connector = load_connector(platform, settings)
    stop = asyncio.Event()
    async with running_core(settings) as core:
        running = asyncio.create_task(run(core, connector, settings, stop))
        url = f"http://127.0.0.1:{settings.port}/healthz"
        async with aiohttp.ClientSession() as http:
            while True:
                try:
                    async with http.get(url) as answer:
                        health = await answer.json()
                        if answer.status == 200 and health.get("gateway", "ready") == "ready":
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.05)
        loaded = sorted({name.split(".")[0] for name in sys.modules} & {"discord", "slack_bolt", "slack_sdk"})
        stop.set()
        await running
    print(json.dumps({"health": health, "loaded": loaded}))

asyncio.run(main(sys.argv[1]))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _probe(platform: str, tmp_path: Path, **env: str) -> dict[str, object]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PREPBOT_", "SLACK_"))}
    base |= {
        "PREPBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'host.db'}",
        "PREPBOT_HOST": "127.0.0.1",
        "PREPBOT_PORT": str(_free_port()),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        PROBE,
        platform,
        env=base | env,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode == 0, err.decode()[-3000:]
    result: dict[str, object] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def test_a_slack_process_never_imports_discord(tmp_path: Path) -> None:
    async with FakeSlack() as slack:
        env = {
            "SLACK_BOT_TOKEN": "xoxb-host",
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_API_URL": slack.api_url,
        }
        result = await _probe("slack", tmp_path, **env)
    assert result["health"] == {"status": "ok", "database": "ok"}
    assert result["loaded"] == ["slack_bolt", "slack_sdk"]


async def test_a_discord_process_never_imports_slack(tmp_path: Path, fake: FakeDiscord) -> None:
    env = {
        "DISCORD_BOT_TOKEN": TOKEN,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
    }
    result = await _probe("discord", tmp_path, **env)
    assert result["health"] == {"status": "ok", "database": "ok", "gateway": "ready"}
    assert result["loaded"] == ["discord"]
