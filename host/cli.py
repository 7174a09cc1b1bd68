"""The ``prepbot`` command line: the app, its settings and version, demo, console, serve, discord sync.

The other command groups are modules of their own, added here: ``db`` (db_cli.py),
``content`` (content_cli.py) and ``data`` (data_cli.py).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from bot.settings import Settings, load, problems
from host.content_cli import content_app
from host.data_cli import data_app
from host.db_cli import db_app

app = typer.Typer(
    help="prepbot: interview prep for teams, on Slack, Discord or the console.", no_args_is_help=True
)
serve_app = typer.Typer(help="Run prepbot on a chat platform.", no_args_is_help=True)
discord_app = typer.Typer(help="Discord application commands.", no_args_is_help=True)
app.add_typer(content_app, name="content")
app.add_typer(db_app, name="db")
app.add_typer(serve_app, name="serve")
app.add_typer(discord_app, name="discord")
app.add_typer(data_app, name="data")


def _settings() -> Settings:
    """The settings from the environment and ``.env``; a bad value is one line per variable, exit 2."""
    try:
        return load()
    except ValidationError as exc:
        for line in problems(exc):
            typer.echo(line, err=True)
        raise typer.Exit(2) from None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("prepbot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"prepbot {_version()}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """prepbot: interview prep for teams, on Slack, Discord or the console."""


@app.command()
def demo() -> None:
    """Run the scripted demo in the console on a fresh SQLite file; exits 0 on success."""
    from adapters.console.runner import run_script_text

    script = resources.files("adapters.console").joinpath("demo.prep").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="prepbot-demo-") as folder:
        settings = _settings().model_copy(
            update={"database_url": f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}"}
        )
        code = asyncio.run(run_script_text(settings, script, source="demo.prep"))
    raise typer.Exit(code)


@app.command()
def console(
    script: Annotated[
        str | None, typer.Option("--script", help="Read lines from FILE ('-' for stdin).")
    ] = None,
) -> None:
    """A local channel in the terminal (interactive, or driven by a script)."""
    from adapters.console.runner import run_interactive, run_script_text

    settings = _settings()
    if script is None:
        raise typer.Exit(asyncio.run(run_interactive(settings)))
    if script == "-":
        text, source = sys.stdin.read(), "<stdin>"
    else:
        path = Path(script)
        if not path.is_file():
            typer.echo(f"{script}: no such file", err=True)
            raise typer.Exit(2)
        text, source = path.read_text(encoding="utf-8"), script
    raise typer.Exit(asyncio.run(run_script_text(settings, text, source=source)))


@serve_app.command("slack")
def serve_slack(
    socket: Annotated[bool, typer.Option("--socket", help="Use Socket Mode (SLACK_APP_TOKEN).")] = False,
    no_migrate: Annotated[
        bool, typer.Option("--no-migrate", help="Do not upgrade the schema on start.")
    ] = False,
) -> None:
    """Run the Slack app (HTTP mode by default)."""
    from host.process import main

    raise typer.Exit(main("slack", _settings(), socket=socket, migrate=not no_migrate))


@serve_app.command("discord")
def serve_discord(
    no_migrate: Annotated[
        bool, typer.Option("--no-migrate", help="Do not upgrade the schema on start.")
    ] = False,
) -> None:
    """Run the Discord bot on the gateway."""
    from host.process import main

    raise typer.Exit(main("discord", _settings(), migrate=not no_migrate))


@discord_app.command("sync")
def discord_sync(
    guild: Annotated[str | None, typer.Option("--guild", help="Register on one guild (development).")] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="With --guild: remove that guild's copy of /prep.")
    ] = False,
) -> None:
    """Register /prep with Discord, globally or on one guild; --clear --guild ID removes a guild copy."""
    from adapters.discord.server import sync_commands

    raise typer.Exit(asyncio.run(sync_commands(_settings(), guild_id=guild, clear=clear)))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
