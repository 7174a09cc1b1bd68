"""``prepbot content lint|stats|reports``: checking packs, counting them, and members' reports on items.

Apart from ``host/cli.py`` because these are the content author's and operator's
commands: they read packs and reports, never start a platform.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.content import Library, load_library
from bot.content_errors import ContentInvalid

if TYPE_CHECKING:
    from bot.services.reports import ItemReports

content_app = typer.Typer(help="Validate and count content packs.", no_args_is_help=True)


@content_app.command("lint")
def content_lint(
    paths: Annotated[list[Path] | None, typer.Argument(help="Packs or folders of packs.")] = None,
) -> None:
    """Validate packs; print the answer length-rank table, then file:line: message per problem.

    Exits 1 on any error; warnings (facts not checked for over a year) are printed only.
    """
    from bot.content_checks import length_rank_table, quality_problems
    from bot.runtime import content_paths
    from host.cli import _settings

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
    from host.cli import _settings

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
    from host.cli import _settings

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
    from host.cli import _settings

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
