"""A serving process loads only what serving needs: `prepbot serve slack` on SQLite, for real.

The process is the console command's own path (the console script, the schema,
the Slack connector, the scheduler), started on a new SQLite file, or one already
at head, against the fake Slack. Once /healthz answers and it has served a few
commands and a click, a watcher thread in the process writes the names of the
modules it has loaded, whether it forked, and the table models whose pydantic
validator has been built, and the test checks that none of what serving never needs
is among them: the migration tooling (a new file gets the head schema snapshot, in
the process and without a migration's fork; the fork that migrates apart is for
older databases), the other platform's SDK, the PostgreSQL drivers and dialect on a SQLite
database, the command-line framework and the CLI's commands, modules only a rare
answer or a content check uses, PyYAML and the content loader (a forked child loads
the library and sends it back, host.content_apart), and no table's or content
model's validator (both defer it: rows and loaded content are never validated while
serving).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.store.schema import prepare_sqlite
from tests.support.fake_slack import ApiCall, FakeSlack, buttons

ROOT = Path(__file__).resolve().parents[1]

# `prepbot serve slack`, plus a thread that waits for the test's signal file and then
# writes sys.modules next to it (the thread only reads; it never imports anything),
# with whether the process forked (a new file needs no migration apart).
SERVE = """
import json, os, sys, threading, time
from pathlib import Path

ask, answer = Path(sys.argv[1]), Path(sys.argv[2])
forks = []
os.register_at_fork(after_in_parent=lambda: forks.append(1))

def watch() -> None:
    while not ask.exists():
        time.sleep(0.02)
    tables = [m.class_ for m in sys.modules["sqlmodel"].SQLModel._sa_registry.mappers]
    built = [t.__name__ for t in tables if type(t.__pydantic_validator__).__name__ != "MockValSer"]
    schema = sys.modules["bot.content_schema"]
    models = (schema.PackMeta, schema.MultipleChoice, schema.Scenario)
    content = {m.__name__: m.__pydantic_validator__ for m in models}
    content["ITEM_ADAPTER"] = schema.ITEM_ADAPTER.validator
    built += [name for name, v in content.items() if type(v).__name__ != "MockValSer"]
    seen = {"modules": sorted(sys.modules), "forks": len(forks), "tables": len(tables), "built": built}
    partial = answer.with_suffix(".partial")
    partial.write_text(json.dumps(seen))
    partial.rename(answer)  # whole, or not there yet

threading.Thread(target=watch, daemon=True).start()
sys.argv = ["prepbot", "serve", "slack"]
from host.entry import main  # the console script (pyproject.toml)
main()
"""

NEVER_WHEN_SERVING_SLACK_ON_SQLITE = (
    "alembic",  # a new or current database needs none; older ones migrate in a forked child
    "mako",
    "discord",
    "asyncpg",
    "sqlalchemy.dialects.postgresql",
    "typer",  # `prepbot serve` skips the command-line framework (host.entry)
    "click",
    "shellingham",
    "host.cli",
    "host.data_cli",
    "host.db_cli",
    "host.content_cli",
    "bot.content_checks",  # `content lint` only
    "yaml",  # the content library is loaded by a child (host.content_apart), which sends it back
    "bot.yamlmap",
    "bot.content_errors",
    "difflib",  # only to suggest a zone for a misspelt one (bot.zones)
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _healthy(url: str, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(1800):  # 90 s at most on a busy machine
            assert process.returncode is None, "the server exited before it was healthy"
            try:
                async with http.get(url) as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("no healthy /healthz")


async def _use(slack: FakeSlack, port: int) -> None:
    """Serve what members do most: help, a quiz question answered by a click, the leaderboard."""
    slack.app_url = f"http://127.0.0.1:{port}/slack/events"
    slack.add_user("U0LEAN", "lean")
    for text in ("help", "quiz", "leaderboard", "stats"):
        before = len(slack.calls) + len(slack.responses)
        form, (status, _) = await slack.command(text, user="U0LEAN")
        assert status == 200, text
        answered = await _answered(slack, before)
        if text == "quiz":
            [question] = [c for c in answered if buttons(c)]
            clicked = len(slack.calls) + len(slack.responses)
            payload = slack.click_payload(question, buttons(question)[0], user="U0LEAN", ephemeral=True)
            assert (await slack.click(payload))[0] == 200
            await _answered(slack, clicked)


async def _answered(slack: FakeSlack, before: int) -> list[ApiCall]:
    """The Web API calls made once the app has answered (waits up to 60 s on a busy machine)."""
    for _ in range(1200):
        if len(slack.calls) + len(slack.responses) > before:
            await asyncio.sleep(0.2)  # the rest of the answer, if it has more than one call
            return [c for c in slack.calls if c.method.startswith("chat.")]
        await asyncio.sleep(0.05)
    raise AssertionError("no answer")


@pytest.mark.parametrize("database", ["new", "at head"])
async def test_serving_slack_on_sqlite_loads_no_migration_tooling_nor_other_drivers(
    tmp_path: Path, database: str
) -> None:
    if database == "at head":
        assert prepare_sqlite(str(tmp_path / "serve.db"))
    port = _free_port()
    ask, answer = tmp_path / "ask", tmp_path / "modules.json"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "PREPBOT_", "SLACK_"))}
    async with FakeSlack() as slack:
        env = base | {
            "PREPBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}",
            "PREPBOT_HOST": "127.0.0.1",
            "PREPBOT_PORT": str(port),
            "SLACK_BOT_TOKEN": "xoxb-lean",
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_API_URL": slack.api_url,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SERVE,
            str(ask),
            str(answer),
            env=env,
            cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await _healthy(f"http://127.0.0.1:{port}/healthz", process)
            await _use(slack, port)
            ask.touch()
            for _ in range(600):
                if answer.exists():
                    break
                await asyncio.sleep(0.05)
            assert answer.exists(), "no module list from the server"
            seen = json.loads(answer.read_text())
            loaded = set(seen["modules"])
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()[-3000:]
    assert "slack_bolt" in loaded and "bot.router" in loaded  # the probe saw the serving process
    assert seen["forks"] == 1  # the content's child only, no migration apart: the snapshot, or nothing to do
    found = sorted(
        name
        for name in loaded
        for never in NEVER_WHEN_SERVING_SLACK_ON_SQLITE
        if name == never or name.startswith(never + ".")
    )
    assert found == []
    assert seen["tables"] >= 30 and seen["built"] == []
