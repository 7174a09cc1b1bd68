"""The ``prepbot`` console script: plain ``serve`` forms skip the CLI framework, the rest is the typer app.

Each form is run through both doors, ``host.entry`` (the console script) and
``host.cli`` (the typer app), in real processes, and must print and exit the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from host.entry import plain_serve

ROOT = Path(__file__).resolve().parents[1]


def _run(module: str, *args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREPBOT_", "SLACK_", "DISCORD_"))}
    return env | {"PYTHONPATH": str(ROOT)} | values


def _words(text: str) -> list[str]:
    """The text without its layout (help boxes pad to the program name's length)."""
    return text.split()


def test_the_console_script_is_the_entry_module() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["prepbot"] == "host.entry:main"


@pytest.mark.parametrize(
    ("args", "plain"),
    [
        (["serve", "slack"], ("slack", set())),
        (["serve", "slack", "--socket"], ("slack", {"--socket"})),
        (["serve", "slack", "--no-migrate", "--socket"], ("slack", {"--socket", "--no-migrate"})),
        (["serve", "discord", "--no-migrate"], ("discord", {"--no-migrate"})),
        (["serve", "discord", "--socket"], None),  # not a Discord option: typer says so
        (["serve", "slack", "--socket", "--socket"], None),
        (["serve", "slack", "--help"], None),
        (["serve", "slack", "--no-migrate=1"], None),
        (["serve", "console"], None),
        (["serve"], None),
        (["--version"], None),
        (["db", "current"], None),
        ([], None),
    ],
)
def test_only_plain_serve_forms_skip_the_typer_app(
    args: list[str], plain: tuple[str, set[str]] | None
) -> None:
    assert plain_serve(args) == plain


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("serve", "slack"), {"PREPBOT_PORT": "70000"}),  # a bad setting: one line, exit 2
        (("serve", "slack", "--no-migrate"), {}),  # no Slack settings: named, exit 2
        (("serve", "slack", "--socket"), {"SLACK_BOT_TOKEN": "xoxb-1"}),  # no app token
        (("serve", "discord"), {}),  # no Discord token
        (("serve", "discord", "--socket"), {}),  # typer refuses the option
        (("serve", "slack", "--help"), {}),
        (("--version",), {}),
    ],
)
def test_both_doors_print_and_exit_the_same(
    args: tuple[str, ...], env: dict[str, str], tmp_path: Path
) -> None:
    through_entry = _run("host.entry", *args, env=_env(**env), cwd=tmp_path)
    through_cli = _run("host.cli", *args, env=_env(**env), cwd=tmp_path)
    assert through_entry.returncode == (0 if args[-1] in ("--help", "--version") else 2), through_entry.stderr
    assert (through_entry.returncode, _words(through_entry.stdout), _words(through_entry.stderr)) == (
        through_cli.returncode,
        _words(through_cli.stdout.replace("host.cli", "host.entry")),  # usage lines name the program
        _words(through_cli.stderr.replace("host.cli", "host.entry")),
    )
    assert "Traceback" not in through_entry.stderr
