"""``prepbot data export|forget`` as an operator runs them, on a database the console filled.

The commands run in-process (typer's runner: the same parsing, settings and
``asyncio.run`` as the installed script); the real entry point is run once, for a
missing option.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from pathlib import Path

from typer.testing import CliRunner

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.content import Library
from bot.features import build_bot
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store.engine import Database
from bot.store.migrate import upgrade
from host.cli import app
from tests.test_cli import _prepbot

SCRIPT = [
    "admin alice",
    "alice: /prep prompt",
    "bob: reply I would roll back first, then read the logs with the on-call engineer before anything.",
    "carol: reply Page the owning team and throttle the noisy client until the graphs settle down again.",
    "carol: press Vote",
    "carol: press 1",
    "bob: /prep interview 2027-03-01 netflix",
    "bob: /prep ask",
    "bob: press Save",
]
BOB = ["--platform", "console", "--space", "console", "--member", "bob"]


async def fill(url: str, library: Library) -> None:
    db = Database(url)
    try:
        await upgrade(db)
        ctx = ServiceContext(
            db=db, library=library, clock=ManualClock(), settings=Settings(), rng=random.Random(7)
        )
        session = ConsoleSession(build_bot(ctx), ManualClock())
        for line in SCRIPT:
            await session.push(line)
    finally:
        await db.dispose()


def run(*args: str, url: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"PREPBOT_DATABASE_URL": url})
    return result.exit_code, result.stdout, result.stderr


def test_export_then_forget_a_member_from_the_command_line(tmp_path: Path, library: Library) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"
    asyncio.run(fill(url, library))

    code, document, err = run("data", "export", *BOB, url=url)
    assert code == 0, err
    assert document.startswith("# Interview prep — bob")
    assert "Interview: 2027-03-01" in document and "I would roll back first" in document
    assert "## Questions I plan to ask" in document
    code, _, err = run("data", "export", *BOB, "--output", str(tmp_path / "bob.md"), url=url)
    assert code == 0 and (tmp_path / "bob.md").read_text() == document and "wrote" in err

    code, out, err = run("data", "forget", *BOB, "--json", url=url)
    assert code == 0, err
    removed = json.loads(out)["removed"]
    assert removed["answers to culture prompts"] == 1 and removed["votes others cast on your answers"] == 1
    assert removed["saved questions"] == 1
    assert "your profile (name, time zone, interview date)" in removed

    code, out, err = run("data", "export", *BOB, url=url)
    assert code == 1 and out == ""
    assert "no member bob in console space console; nothing was done" in err
    code, _, err = run("data", "forget", *BOB, url=url)
    assert code == 1 and "nothing was done" in err
    # Carol's data is untouched: her export still has her answer.
    code, out, _ = run("data", "export", *BOB[:-1], "carol", url=url)
    assert code == 0 and "Page the owning team" in out


def test_a_missing_or_bad_option_is_named(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'e.db'}"
    env = {**os.environ, "PREPBOT_DATABASE_URL": url}
    missing = _prepbot("data", "forget", "--platform", "slack", "--member", "U1", env=env, cwd=tmp_path)
    assert missing.returncode == 2 and "Missing option '--space'" in missing.stderr
    code, _, err = run("data", "export", "--platform", "slack", "--space", "T1", url=url)
    assert code == 2 and "Missing option '--member'" in err
    code, _, err = run("data", "forget", "--platform", "teams", "--space", "T1", "--member", "U1", url=url)
    assert code == 2 and err.strip() == "prepbot: --platform 'teams' is not one of slack, discord, console."
    down = "postgresql+asyncpg://u:p@127.0.0.1:1/none"
    code, _, err = run("data", "forget", "--platform", "slack", "--space", "T1", "--member", "U1", url=down)
    assert code == 1 and "cannot use PREPBOT_DATABASE_URL" in err and "Traceback" not in err


def test_an_output_file_that_cannot_be_written_is_one_line(tmp_path: Path, library: Library) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'f.db'}"
    asyncio.run(fill(url, library))
    for target in (tmp_path, tmp_path / "no-such-dir" / "bob.md"):
        code, out, err = run("data", "export", *BOB, "--output", str(target), url=url)
        assert code == 1 and out == "", err
        assert f"prepbot: cannot write {target}" in err and "Traceback" not in err
