"""Server processes for the benches: ``prepbot serve slack`` and a bare bolt app, started for real.

``python -m bench.servers`` runs the baseline: a bolt ``AsyncApp`` on bolt's own
aiohttp adapter whose ``/prep`` handler only acks, plus ``GET /healthz`` (200,
no database), on ``PREPBOT_HOST``/``PREPBOT_PORT`` with ``SLACK_SIGNING_SECRET``,
``SLACK_BOT_TOKEN`` and ``SLACK_API_URL`` from the environment, like prepbot.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp

HEALTH_TIMEOUT_S = 60.0
SIGNING_SECRET = "bench-signing-secret"
BOT_TOKEN = "xoxb-bench-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepbot_command() -> list[str]:
    """The installed console script, next to this interpreter (the venv's ``bin``)."""
    script = Path(sys.executable).parent / "prepbot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "host.cli"]


def slack_env(folder: Path, port: int, api_url: str) -> dict[str, str]:
    """The environment of ``prepbot serve slack`` (and of the bare app): a SQLite file, fake Slack."""
    return {
        **os.environ,
        "PREPBOT_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'prepbot.db'}",
        "PREPBOT_HOST": "127.0.0.1",
        "PREPBOT_PORT": str(port),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
    }


@dataclass
class Server:
    """A started server process: where it listens, when it started, its log file."""

    process: subprocess.Popen[bytes]
    port: int
    started: float
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_kib(self) -> int:
        """Resident memory from ``/proc/PID/status`` (VmRSS, in KiB)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS line")

    async def healthy(self, timeout: float = HEALTH_TIMEOUT_S) -> float:
        """Poll ``GET /healthz`` until it answers 200; seconds from process start."""
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited with {self.process.returncode}: {self.tail()}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with http.get(f"{self.base}/healthz", timeout=aiohttp.ClientTimeout(1)) as r:
                        if r.status == 200:
                            return time.monotonic() - self.started
                await asyncio.sleep(0.01)
        raise RuntimeError(f"no healthy /healthz within {timeout:.0f} s: {self.tail()}")

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-800:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start(command: list[str], env: Mapping[str, str], log: Path) -> Server:
    out = log.open("wb")
    started = time.monotonic()
    process = subprocess.Popen(command, env=dict(env), stdout=out, stderr=subprocess.STDOUT, cwd=log.parent)
    out.close()
    return Server(process, int(env["PREPBOT_PORT"]), started, log)


@contextlib.asynccontextmanager
async def serving(command: list[str], env: Mapping[str, str], log: Path) -> AsyncIterator[Server]:
    """A server process that is always stopped (SIGTERM, then SIGKILL) on the way out."""
    server = start(command, env, log)
    try:
        yield server
    finally:
        server.stop()


def prepbot_slack(folder: Path, api_url: str) -> tuple[list[str], dict[str, str]]:
    return [*prepbot_command(), "serve", "slack"], slack_env(folder, free_port(), api_url)


def bare_slack(folder: Path, api_url: str) -> tuple[list[str], dict[str, str]]:
    env = slack_env(folder, free_port(), api_url)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return [sys.executable, "-m", "bench.servers"], env


def _bare_main() -> None:
    """The baseline bolt app (see the module docstring)."""
    from aiohttp import web
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    token = os.environ["SLACK_BOT_TOKEN"]
    bolt = AsyncApp(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token=token,
        client=AsyncWebClient(token=token, base_url=os.environ["SLACK_API_URL"]),
    )

    @bolt.command("/prep")
    async def prep(ack):  # type: ignore[no-untyped-def]
        await ack()

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = bolt.web_app(path="/slack/events")
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host=os.environ["PREPBOT_HOST"], port=int(os.environ["PREPBOT_PORT"]), print=None)


if __name__ == "__main__":
    _bare_main()
