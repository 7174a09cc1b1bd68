"""Configuration as an operator meets it: ``.env``, the environment winning, one-line errors, exit 2.

Each bad value runs the real ``prepbot`` in a subprocess (all at once, so the table
stays fast) from a folder holding no ``.env`` of the developer's.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import EXPECTED, Settings, load

ROOT = Path(__file__).resolve().parents[1]
ALIASES = {str(field.alias) for field in Settings.model_fields.values()}

# One bad value per variable: (variable, value, a piece of the expected wording).
BAD_VALUES = [
    ("PREPBOT_DATABASE_URL", "postgresql://u:hunter2@db/prepbot", "postgresql+asyncpg://"),
    ("PREPBOT_HOST", "", "an address to listen on"),
    ("PREPBOT_PORT", "abc", "a whole number from 0 to 65535"),
    ("PREPBOT_LOG_JSON", "maybe", "true or false"),
    ("PREPBOT_LOG_LEVEL", "LOUD", "one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("PREPBOT_CATCH_UP_HOURS", "-1", "0 or more"),
    ("PREPBOT_VOTING_HOURS", "soon", "a number of hours above 0"),
    ("PREPBOT_TARGET_RECALL", "0.99", "from 0.7 to 0.97"),
    ("PREPBOT_VOTES_PER_MEMBER", "0", "from 1 to 10"),
    ("PREPBOT_MIN_ANSWER_CHARS", "lots", "from 0 to 2000"),
    ("PREPBOT_DAILY_REVIEWS", "0", "from 1 to 100"),
    ("PREPBOT_ANSWER_RETENTION_DAYS", "0", "1 or more, or empty"),
    ("PREPBOT_UNINSTALL_RETENTION_DAYS", "a month", "0 or more (30 by default)"),
    ("PREPBOT_DELETE_BATCH", "0", "from 1 to 10000"),
    ("SLACK_BOT_TOKEN", "xapp-1-A0-secret", "starting with xoxb-"),
    ("SLACK_APP_TOKEN", "xoxb-1-secret", "starting with xapp-"),
    ("SLACK_API_URL", "slack.com/api", "an http(s) URL"),
    ("SLACK_REDIRECT_URI", "prepbot.example.com/slack/oauth_redirect", "/slack/oauth_redirect"),
    ("PREPBOT_TOKEN_ROTATION_MINUTES", "0", "from 1 to 720"),
    ("DISCORD_API_URL", "discord.com", "an http(s) URL"),
    ("DISCORD_GATEWAY_URL", "http://gateway", "a ws(s) URL"),
    ("PREPBOT_DISCORD_SHARDED", "2", "true or false"),
    ("PREPBOT_DISCORD_MESSAGE_CONTENT", "sometimes", "one of auto, on, off"),
]
# Free text: any value is valid, so no bad value to show.
FREE = {
    "PREPBOT_CONTENT_PATH",
    "SLACK_SIGNING_SECRET",
    "DISCORD_BOT_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
}


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREPBOT_", "SLACK_", "DISCORD_"))}
    return env | values


async def _run(args: tuple[str, ...], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "host.cli", *args),
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return int(process.returncode or 0), out.decode(), err.decode()


def test_every_variable_has_a_bad_value_case_or_is_free_text() -> None:
    assert {variable for variable, _, _ in BAD_VALUES} | FREE == ALIASES
    assert set(EXPECTED) == ALIASES


async def test_each_bad_value_is_one_line_naming_it_and_exits_2(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(ROOT)}
    runs = [
        _run(("db", "current"), clean_env(**env, **{variable: value}), tmp_path)
        for variable, value, _ in BAD_VALUES
    ]
    results = await asyncio.gather(*runs)
    for (variable, value, expected), (code, out, err) in zip(BAD_VALUES, results, strict=True):
        lines = err.strip().splitlines()
        assert code == 2, (variable, code, err)
        assert len(lines) == 1 and "Traceback" not in err, (variable, err)
        assert lines[0].startswith(f"prepbot: {variable}="), lines
        assert expected in lines[0], lines
        if variable.endswith("TOKEN"):
            assert value not in lines[0]  # a secret is shown by its prefix only
        if variable == "PREPBOT_DATABASE_URL":
            assert "hunter2" not in lines[0] and "u:***@" in lines[0]
        assert out == ""


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "# a comment\nPREPBOT_PORT=4100\nPREPBOT_LOG_LEVEL=debug\nSLACK_BOT_TOKEN=xoxb-from-file\n"
        "PREPBOT_VOTING_HOURS=\nUNRELATED=1\n"
    )
    env = clean_env(PYTHONPATH=str(ROOT), PREPBOT_PORT="4200")
    script = (
        "from bot.settings import load; s = load(); "
        "print(s.port, s.log_level, s.slack_bot_token, s.voting_hours)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["4200", "DEBUG", "xoxb-from-file", "None"]


def test_a_bad_value_in_dotenv_is_reported_like_one_in_the_environment(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PREPBOT_PORT=70000\n")
    result = subprocess.run(
        [sys.executable, "-m", "host.cli", "db", "current"],
        env=clean_env(PYTHONPATH=str(ROOT)),
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "prepbot: PREPBOT_PORT='70000' is not valid: expected a whole number from 0 to 65535."
    ]


def test_settings_without_a_file_read_only_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("PREPBOT_PORT=4100\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PREPBOT_PORT", raising=False)
    assert Settings().port == 3000  # what tests and library callers build
    assert load().port == 4100
    assert load(None).port == 3000


def test_version_prints_the_installed_version() -> None:
    from importlib.metadata import version

    result = subprocess.run(
        [sys.executable, "-m", "host.cli", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"prepbot {version('prepbot')}"
