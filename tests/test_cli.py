"""The command line as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _prepbot(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "host.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        input=stdin,
    )


def test_demo_exits_zero_and_shows_an_exchange(tmp_path: Path) -> None:
    result = _prepbot("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Ask your interviewer" in result.stdout
    assert list(tmp_path.iterdir()) == []  # the demo's database lives in a temp dir


def test_console_reads_a_script_from_stdin_and_reports_bad_lines(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "PREPBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"}
    ok = _prepbot("console", "--script", "-", env=env, stdin="alice: /prep topics\nexpect culture-values\n")
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "c.db").exists()
    bad = _prepbot("console", "--script", "-", env=env, stdin="alice: /prep help\nthis is not a line\n")
    assert bad.returncode == 1
    assert "<stdin>:2: cannot read 'this is not a line'" in bad.stderr


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "PREPBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'u.db'}"}
    result = _prepbot("db", "upgrade", env=env)
    assert result.returncode == 0, result.stderr
    from tests.test_store import head_revision

    assert f"revision {head_revision()}" in result.stdout


def test_db_current_history_and_downgrade_roll_back_and_forward(tmp_path: Path) -> None:
    import os

    from tests.test_store import head_revision

    env = {**os.environ, "PREPBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"}
    head = head_revision()
    assert _prepbot("db", "current", env=env, cwd=tmp_path).stdout.startswith("none (head is")
    assert _prepbot("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    assert _prepbot("db", "current", env=env, cwd=tmp_path).stdout.strip() == f"{head} (head)"
    history = _prepbot("db", "history", env=env, cwd=tmp_path).stdout.splitlines()
    assert history[0].split(" -> ")[1].startswith(f"{head}:") and history[-1].startswith("base -> ")
    previous = history[0].split(" -> ")[0]

    back = _prepbot("db", "downgrade", previous, env=env, cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    assert back.stdout.strip() == f"database at revision {previous}"
    assert f"head is {head}" in _prepbot("db", "current", env=env, cwd=tmp_path).stdout
    assert _prepbot("db", "upgrade", env=env, cwd=tmp_path).returncode == 0

    unknown = _prepbot("db", "downgrade", "0042_nothing", env=env, cwd=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "prepbot: no revision '0042_nothing'; `prepbot db history` lists them."
