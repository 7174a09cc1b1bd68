"""The ``prepbot`` command line: demo, console, serve, db, content, discord sync, data (data_cli.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
import tempfile
from collections.abc import Callable, Coroutine
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError

from bot.content import ContentInvalid, Library, load_library
from bot.settings import Settings, load, problems
from host.data_cli import data_app

if TYPE_CHECKING:
    from bot.services.reports import ItemReports

app = typer.Typer(
    help="prepbot: interview prep for teams, on Slack, Discord or the console.", no_args_is_help=True
)
content_app = typer.Typer(help="Validate and count content packs.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
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


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply Alembic migrations to PREPBOT_DATABASE_URL."""
    url = _settings().database_url
    from bot.store.engine import Database
    from bot.store.migrate import current_revision, upgrade

    async def run() -> str | None:
        db = Database(url)
        try:
            await upgrade(db)
            return await current_revision(db)
        finally:
            await db.dispose()

    typer.echo(f"database at revision {asyncio.run(run())}")


@db_app.command("current")
def db_current() -> None:
    """Print the revision PREPBOT_DATABASE_URL is at ("none" for an empty database)."""
    url = _settings().database_url  # a bad setting is reported before anything else loads
    from bot.store.engine import Database
    from bot.store.migrate import current_revision, history

    async def run() -> str | None:
        db = Database(url)
        try:
            return await current_revision(db)
        finally:
            await db.dispose()

    current = _database_call(run)
    head = history()[0][0]
    note = " (head)" if current == head else f" (head is {head}: run `prepbot db upgrade`)"
    typer.echo(f"{current or 'none'}{note}")


@db_app.command("history")
def db_history() -> None:
    """List the migrations shipped with this version, newest first."""
    from bot.store.migrate import history

    for revision, before, title in history():
        typer.echo(f"{before or 'base'} -> {revision}: {title}")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Revision to go back to (see `db history`), or base.")],
) -> None:
    """Take the schema back to REVISION; run it with the version you are rolling back FROM."""
    url = _settings().database_url
    from bot.store.engine import Database
    from bot.store.migrate import current_revision, downgrade, known_revision

    if not known_revision(revision):
        typer.echo(f"prepbot: no revision {revision!r}; `prepbot db history` lists them.", err=True)
        raise typer.Exit(2)

    async def run() -> str | None:
        db = Database(url)
        try:
            await downgrade(db, revision)
            return await current_revision(db)
        finally:
            await db.dispose()

    typer.echo(f"database at revision {_database_call(run) or 'none'}")


def _database_call(run: Callable[[], Coroutine[Any, Any, str | None]]) -> str | None:
    from bot.router import DATABASE_ERRORS

    try:
        return asyncio.run(run())
    except DATABASE_ERRORS as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        typer.echo(f"prepbot: cannot use PREPBOT_DATABASE_URL ({type(exc).__name__}: {first})", err=True)
        raise typer.Exit(1) from None


@content_app.command("lint")
def content_lint(
    paths: Annotated[list[Path] | None, typer.Argument(help="Packs or folders of packs.")] = None,
) -> None:
    """Validate packs; print the answer length-rank table, then file:line: message per problem.

    Exits 1 on any error; warnings (facts not checked for over a year) are printed only.
    """
    from bot.content_checks import length_rank_table, quality_problems
    from bot.runtime import content_paths

    targets = paths or content_paths(_settings())
    try:
        library = load_library(targets)
    except ContentInvalid as exc:
        for error in exc.errors:
            typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    for pack in library.packs.values():
        typer.echo(f"answer length rank, share of MCQs ({pack.id}):")
        typer.echo(length_rank_table(pack))
    problems = [p for pack in library.packs.values() for p in quality_problems(pack)]
    for problem in problems:
        typer.echo(str(problem), err=True)
    errors = [p for p in problems if not p.warning]
    if errors:
        typer.echo(f"failed: {len(errors)} error(s), {len(problems) - len(errors)} warning(s)", err=True)
        raise typer.Exit(1)
    total = sum(len(p.entries) for p in library.packs.values())
    warned = len(problems) - len(errors)
    typer.echo(
        f"ok: {len(library.packs)} pack(s), {total} items" + (f", {warned} warning(s)" if warned else "")
    )


@content_app.command("stats")
def content_stats(as_json: Annotated[bool, typer.Option("--json", help="Print only JSON.")] = False) -> None:
    """Count items per pack, topic and kind."""
    from bot.runtime import load_content

    try:
        library = load_content(_settings())
    except ContentInvalid as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    counts = {pack_id: pack.counts() for pack_id, pack in library.packs.items()}
    if as_json:
        typer.echo(json.dumps(counts, indent=2, sort_keys=True))
        return
    for pack_id, topics in counts.items():
        typer.echo(f"{pack_id}:")
        for topic, kinds in topics.items():
            detail = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())) or "empty"
            typer.echo(f"  {topic}: {sum(kinds.values())} ({detail})")


@content_app.command("reports")
def content_reports(
    resolve: Annotated[
        str | None, typer.Option("--resolve", metavar="ITEM", help="Resolve ITEM's open reports.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON.")] = False,
) -> None:
    """List open problem reports per item (from PREPBOT_DATABASE_URL), or resolve one item's."""
    from bot.router import DATABASE_ERRORS
    from bot.services import reports
    from bot.store.engine import Database

    library = _library_or_none()

    async def run() -> tuple[int, list[reports.ItemReports]]:
        db = Database(_settings().database_url)
        try:
            if resolve is not None:
                return await reports.resolve(db, item_id=resolve, at=dt.datetime.now(dt.UTC)), []
            return 0, await reports.open_by_item(db, library)
        finally:
            await db.dispose()

    try:
        resolved, entries = asyncio.run(run())
    except DATABASE_ERRORS as exc:
        typer.echo(f"cannot read reports from PREPBOT_DATABASE_URL: {type(exc).__name__}", err=True)
        typer.echo("Check the URL, and run `prepbot db upgrade` once on a new database.", err=True)
        raise typer.Exit(1) from None
    if resolve is None:
        _print_reports(entries, as_json=as_json)
        return
    known = library is not None and any(pack.get(resolve) for pack in library.packs.values())
    if not resolved and not known:
        typer.echo(
            f"{resolve}: no such item, and no reports on it. `prepbot content reports` lists them.", err=True
        )
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps({"item": resolve, "resolved": resolved}))
    else:
        typer.echo(f"{resolve}: resolved {resolved} open report(s); challenges may ask it again.")


def _library_or_none() -> Library | None:
    """The packs, to show each reported item's topic and question; reports list without them."""
    from bot.runtime import load_content

    try:
        return load_content(_settings())
    except ContentInvalid:
        return None


def _print_reports(entries: list[ItemReports], *, as_json: bool) -> None:
    if as_json:
        total = sum(e.count for e in entries)
        typer.echo(json.dumps({"open_reports": total, "items": [e.as_json() for e in entries]}, indent=2))
        return
    if not entries:
        typer.echo("No open reports.")
        return
    for entry in entries:
        where = " · ".join(v for v in (entry.pack, entry.topic) if v)
        last = f"{entry.last_reported:%Y-%m-%d %H:%M} UTC" if entry.last_reported else "?"
        typer.echo(f"{entry.item} ({where}): {entry.count} open report(s), last {last}")
        if entry.question:
            typer.echo(f"  “{entry.question}”")
        for note in entry.notes:
            typer.echo(f"  - {note['at'][:16]} {note['space']}: {note['note']}")
    typer.echo("Once an item is fixed or checked: `prepbot content reports --resolve ITEM`.")


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
