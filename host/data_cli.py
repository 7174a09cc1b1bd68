"""``prepbot data export|forget``: an operator answering a member's request for their data.

A member is named as the platforms name them: ``--platform slack --space T123 --member
U456`` (a Slack team and user id; a Discord guild and user id; ``console`` spaces for
the local console). ``export`` prints (or writes) the Markdown document ``/prep export``
sends; ``forget`` does what a confirmed ``/prep forget-me`` does and prints what went.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

import typer

from bot.domain import MemberRef, SpaceRef
from bot.domain import Platform as PlatformName

T = TypeVar("T")
PLATFORMS = ("slack", "discord", "console")

data_app = typer.Typer(
    help="A member's data: export it, or forget it (answering their request).", no_args_is_help=True
)

Platform = Annotated[str, typer.Option("--platform", help="slack, discord or console.", show_default=False)]
SpaceId = Annotated[
    str, typer.Option("--space", help="The Slack team id (T…) or Discord guild id.", show_default=False)
]
MemberId = Annotated[
    str,
    typer.Option("--member", help="The member's Slack user id (U…) or Discord user id.", show_default=False),
]


def _ref(platform: str, space: str, member: str) -> MemberRef:
    if platform not in PLATFORMS:
        typer.echo(f"prepbot: --platform {platform!r} is not one of {', '.join(PLATFORMS)}.", err=True)
        raise typer.Exit(2)
    for option, value in (("--space", space), ("--member", member)):
        if not value.strip():
            typer.echo(f"prepbot: {option} is empty: give the id as the platform shows it.", err=True)
            raise typer.Exit(2)
    return MemberRef(SpaceRef(cast(PlatformName, platform), space.strip()), member.strip())


def _run(call: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``call(db)`` against PREPBOT_DATABASE_URL; a database that cannot be used is one line, exit 1."""
    from bot.router import DATABASE_ERRORS
    from bot.store.engine import Database
    from host.cli import _settings

    url = _settings().database_url

    async def run() -> T:
        db = Database(url)
        try:
            return await call(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(run())
    except DATABASE_ERRORS as exc:
        typer.echo(f"prepbot: cannot use PREPBOT_DATABASE_URL ({type(exc).__name__})", err=True)
        typer.echo("Check the URL, and run `prepbot db upgrade` once on a new database.", err=True)
        raise typer.Exit(1) from None


def _unknown(ref: MemberRef) -> None:
    typer.echo(
        f"prepbot: no member {ref.id} in {ref.space.platform} space {ref.space.id}; nothing was done. "
        "Check the ids (a Slack user id starts with U or W, a team id with T or E).",
        err=True,
    )
    raise typer.Exit(1)


@data_app.command("export")
def export(
    platform: Platform,
    space: SpaceId,
    member: MemberId,
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the Markdown to FILE instead of stdout.")
    ] = None,
) -> None:
    """Print the member's prep document (Markdown), as /prep export sends it."""
    from bot.services.forget import export_for_operator
    from host.cli import _settings

    ref = _ref(platform, space, member)
    from bot.runtime import load_content

    library = load_content(_settings())
    found = _run(lambda db: export_for_operator(db, library, ref))
    if found is None:
        _unknown(ref)
        return
    _, document = found
    if output is None:
        typer.echo(document, nl=False)
        return
    try:
        output.write_text(document, encoding="utf-8")
    except OSError as exc:  # a directory, a missing folder, no permission: say which, no traceback
        typer.echo(f"prepbot: cannot write {output} ({exc.strerror or type(exc).__name__}).", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {output} ({len(document.encode('utf-8'))} bytes)", err=True)


@data_app.command("forget")
def forget(
    platform: Platform,
    space: SpaceId,
    member: MemberId,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON.")] = False,
) -> None:
    """Delete everything prepbot keeps about the member in that space, as /prep forget-me does."""
    from bot.services.forget import forget_for_operator
    from host.cli import _settings

    ref, batch = _ref(platform, space, member), _settings().delete_batch
    counts = _run(lambda db: forget_for_operator(db, ref, batch=batch))
    if counts is None:
        _unknown(ref)
        return
    if as_json:
        typer.echo(json.dumps({"member": ref.id, "space": ref.space.id, "removed": counts}))
        return
    typer.echo(f"Forgot {ref.id} in {ref.space.platform} space {ref.space.id}. Removed:")
    for kind, n in counts.items():
        typer.echo(f"  {kind}: {n}")
