"""``prepbot serve slack`` as an operator runs it: a real process, a fake Slack, SIGTERM to stop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sqlite3
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from bot.store.engine import Database
from bot.store.migrate import current_revision, upgrade
from bot.store.schema import HEAD, prepare_sqlite
from tests.support.fake_slack import FakeSlack
from tests.support.postgres import PostgresCluster

ROOT = Path(__file__).resolve().parents[1]
SLACK_VARS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL")


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SLACK_VARS and not k.startswith("DISCORD_")}
    env["PREPBOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"
    return env | extra


def _serve_env(tmp_path: Path, slack: FakeSlack, port: int | None = None, **extra: str) -> dict[str, str]:
    """The environment of ``prepbot serve slack`` against ``slack``, on ``port`` (a free one by default)."""
    return _env(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-serve",
        SLACK_SIGNING_SECRET=slack.signing_secret,
        SLACK_API_URL=slack.api_url,
        PREPBOT_HOST="127.0.0.1",
        PREPBOT_PORT=str(port if port is not None else _free_port()),
        **extra,
    )


async def _run(*args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "host.cli", *args, env=env, cwd=ROOT, stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return int(process.returncode or 0), err.decode()


@pytest.mark.parametrize(
    ("args", "given", "missing"),
    [
        ((), {}, "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET"),
        ((), {"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        (("--socket",), {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, "SLACK_APP_TOKEN"),
    ],
)
async def test_missing_slack_settings_are_named_without_a_traceback(
    tmp_path: Path, args: tuple[str, ...], given: dict[str, str], missing: str
) -> None:
    code, err = await _run("serve", "slack", *args, env=_env(tmp_path, **given))
    assert code != 0
    assert missing in err and "Traceback" not in err


async def test_a_token_slack_refuses_stops_the_app_with_one_line(tmp_path: Path) -> None:
    async with FakeSlack(valid_tokens={"xoxb-the-real-one"}) as slack:
        env = _env(
            tmp_path,
            SLACK_BOT_TOKEN="xoxb-mistyped",
            SLACK_SIGNING_SECRET=slack.signing_secret,
            SLACK_API_URL=slack.api_url,
            PREPBOT_HOST="127.0.0.1",
            PREPBOT_PORT=str(_free_port()),
        )
        code, err = await _run("serve", "slack", env=env)
    assert code == 2, err[-2000:]
    assert err.strip().splitlines() == [
        "prepbot: Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the Bot User OAuth Token (xoxb-…) "
        "from OAuth & Permissions, or reinstall the app if it was revoked."
    ]
    assert [c.method for c in slack.calls] == ["auth.test"]  # nothing served, nothing posted


async def test_an_app_token_in_slack_bot_token_is_named_before_anything_starts(tmp_path: Path) -> None:
    code, err = await _run("serve", "slack", env=_env(tmp_path, SLACK_BOT_TOKEN="xapp-1-A0-x"))
    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith("prepbot: SLACK_BOT_TOKEN='xapp-…' is not valid") and "SLACK_APP_TOKEN" in line
    assert not (tmp_path / "serve.db").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_serve_answers_health_and_commands_then_stops_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    async with FakeSlack() as slack:
        slack.add_user("U0ALICE", "alice")
        env = _serve_env(tmp_path, slack, port)
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "host.cli", "serve", "slack"),
            env=env,
            cwd=ROOT,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            async with aiohttp.ClientSession() as http:
                while True:
                    try:
                        async with http.get(f"{base}/healthz") as response:
                            if response.status == 200:
                                assert (await response.json())["status"] == "ok"
                                break
                    except aiohttp.ClientError:
                        pass
                    assert time.monotonic() < deadline, "no /healthz within 30 s"
                    await asyncio.sleep(0.2)
            slack.app_url = f"{base}/slack/events"
            _, (status, _) = await slack.command("help", user="U0ALICE")
            assert status == 200
            [call] = await slack.wait_for(lambda: slack.sent("chat.postEphemeral"), timeout=5)
            assert "prepbot helps your team" in call["text"]
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), timeout=40)
        assert process.returncode == 0, err.decode()[-2000:]
        assert (tmp_path / "serve.db").exists()


def _revision(path: Path) -> list[tuple[str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchall()


async def _serve_until_healthy(tmp_path: Path, **extra: str) -> tuple[int | None, str]:
    """``prepbot serve slack`` until /healthz answers 200, then SIGTERM: (exit code, stderr)."""
    port = _free_port()
    async with FakeSlack() as slack:
        env = _serve_env(tmp_path, slack, port, **extra)
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "host.cli", "serve", "slack"),
            env=env,
            cwd=ROOT,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 30
            async with aiohttp.ClientSession() as http:
                while True:
                    assert process.returncode is None, "the server exited before it was healthy"
                    with contextlib.suppress(aiohttp.ClientError):
                        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                            if response.status == 200:
                                break
                    assert time.monotonic() < deadline, "no /healthz within 30 s"
                    await asyncio.sleep(0.1)
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), timeout=40)
    return process.returncode, err.decode()


async def test_an_older_database_is_migrated_by_alembic_before_serving(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}")
    try:
        await upgrade(db, "0017_forget")  # the snapshot is only for new files
    finally:
        await db.dispose()
    code, err = await _serve_until_healthy(tmp_path)
    assert code == 0, err[-2000:]
    assert _revision(tmp_path / "serve.db") == [(HEAD,)]


async def test_on_postgresql_a_new_database_is_migrated_and_a_start_at_head_serves_too(
    tmp_path: Path, postgres: PostgresCluster
) -> None:
    url = postgres.new_database()
    for _ in range(2):  # migrated by alembic in the fork, then found at head with one query
        code, err = await _serve_until_healthy(tmp_path, PREPBOT_DATABASE_URL=url)
        assert code == 0, err[-2000:]
        db = Database(url)
        try:
            assert await current_revision(db) == HEAD
        finally:
            await db.dispose()


async def test_a_database_from_a_newer_prepbot_stops_the_start_with_alembics_line(tmp_path: Path) -> None:
    assert prepare_sqlite(str(tmp_path / "serve.db"))
    with sqlite3.connect(tmp_path / "serve.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_a_newer_prepbot'")
    async with FakeSlack() as slack:
        env = _serve_env(tmp_path, slack)
        code, err = await _run("serve", "slack", env=env)
    assert code == 1
    assert err.strip().splitlines() == [
        "prepbot: cannot start on Slack: CommandError: "
        "Can't locate revision identified by '9999_from_a_newer_prepbot'"
    ]
    assert slack.calls == []  # stopped before the credential check
    assert _revision(tmp_path / "serve.db") == [("9999_from_a_newer_prepbot",)]


async def test_invalid_content_stops_the_start_with_every_problem_before_the_credential_check(
    tmp_path: Path,
) -> None:
    # The content's child sends nothing for invalid content: the server loads it itself and
    # reports every problem, as it did when it always loaded the content itself.
    broken = ROOT / "tests" / "fixtures" / "broken" / "badpack"
    async with FakeSlack() as slack:
        env = _serve_env(tmp_path, slack, PREPBOT_CONTENT_PATH=str(broken))
        code, err = await _run("serve", "slack", env=env)
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith("prepbot: cannot start on Slack: ContentInvalid: ")
    assert f"{broken / 'items.yaml'}:10: first: answer must be exactly one of the choices" in lines[0]
    assert f"{broken / 'items.yaml'}:29: situation: field required" in lines
    assert slack.calls == []  # stopped before the credential check
