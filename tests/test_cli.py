"""The command line as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _prepbot(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
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
    assert "revision 0006" in result.stdout
