"""``prepbot data export|forget`` as an operator runs them, on a database the console filled."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.test_cli import _prepbot

SCRIPT = """\
admin alice
alice: /prep prompt
bob: reply I would roll back first, then read the logs with the on-call engineer before anything.
carol: reply Page the owning team and throttle the noisy client until the graphs settle down again.
carol: press Vote
carol: press 1
bob: /prep interview 2027-03-01 netflix
bob: /prep ask
bob: press Save
"""
BOB = ("--platform", "console", "--space", "console", "--member", "bob")


def test_export_then_forget_a_member_from_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "PREPBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"}
    filled = _prepbot("console", "--script", "-", env=env, stdin=SCRIPT, cwd=tmp_path)
    assert filled.returncode == 0, filled.stderr

    exported = _prepbot("data", "export", *BOB, env=env, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith("# Interview prep — bob")
    assert "Interview: 2027-03-01" in exported.stdout and "I would roll back first" in exported.stdout
    assert "## Questions I plan to ask" in exported.stdout
    written = _prepbot("data", "export", *BOB, "--output", str(tmp_path / "bob.md"), env=env, cwd=tmp_path)
    assert written.returncode == 0 and (tmp_path / "bob.md").read_text() == exported.stdout

    forgot = _prepbot("data", "forget", *BOB, "--json", env=env, cwd=tmp_path)
    assert forgot.returncode == 0, forgot.stderr
    removed = json.loads(forgot.stdout)["removed"]
    assert removed["answers to culture prompts"] == 1 and removed["votes others cast on your answers"] == 1
    assert removed["saved questions"] == 1
    assert "your profile (name, time zone, interview date)" in removed

    gone = _prepbot("data", "export", *BOB, env=env, cwd=tmp_path)
    assert gone.returncode == 1 and gone.stdout == ""
    assert "no member bob in console space console; nothing was done" in gone.stderr
    again = _prepbot("data", "forget", *BOB, env=env, cwd=tmp_path)
    assert again.returncode == 1 and "nothing was done" in again.stderr
    # Carol's data is untouched: her export still has her answer.
    carol = _prepbot("data", "export", *BOB[:-1], "carol", env=env, cwd=tmp_path)
    assert carol.returncode == 0 and "Page the owning team" in carol.stdout


def test_a_missing_or_bad_option_is_named(tmp_path: Path) -> None:
    env = {**os.environ, "PREPBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'e.db'}"}
    missing = _prepbot("data", "forget", "--platform", "slack", "--member", "U1", env=env, cwd=tmp_path)
    assert missing.returncode == 2 and "Missing option '--space'" in missing.stderr
    missing = _prepbot("data", "export", "--platform", "slack", "--space", "T1", env=env, cwd=tmp_path)
    assert missing.returncode == 2 and "Missing option '--member'" in missing.stderr
    bad = _prepbot("data", "forget", "--platform", "teams", "--space", "T1", "--member", "U1", env=env)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "prepbot: --platform 'teams' is not one of slack, discord, console."
    down = _prepbot(
        "data",
        "forget",
        "--platform",
        "slack",
        "--space",
        "T1",
        "--member",
        "U1",
        env={**env, "PREPBOT_DATABASE_URL": "postgresql+asyncpg://u:p@127.0.0.1:1/none"},
    )
    assert down.returncode == 1 and "cannot use PREPBOT_DATABASE_URL" in down.stderr
    assert "Traceback" not in down.stderr
