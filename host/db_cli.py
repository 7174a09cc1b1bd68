"""``prepbot db upgrade|current|history|downgrade``: the operator's view of the schema.

Apart from ``host/cli.py`` because these commands load the store and the migration
tooling, which serving and the console never need; each imports them only when run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import typer

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply Alembic migrations to PREPBOT_DATABASE_URL."""
    from host.cli import _settings

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
    from host.cli import _settings

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
    from host.cli import _settings

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
