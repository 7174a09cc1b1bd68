"""The ``prepbot`` console script: ``serve`` runs without the CLI framework, the rest through it.

A serving process lives for weeks and its idle memory is paid on every replica;
the command-line framework (typer, with the modules it imports) and the CLI's own
commands (:mod:`host.cli`, :mod:`host.data_cli`) are about 2 MiB of it that
serving never uses after parsing ``serve PLATFORM``. So the plain forms
``prepbot serve slack [--socket] [--no-migrate]`` and ``prepbot serve discord
[--no-migrate]`` go straight to :func:`host.process.main`, with the same settings
check and exit codes as :mod:`host.cli`; anything else (help, another command,
an option spelled differently, a repeated one) is handed to the typer app
unchanged, which parses it as it always has.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence

# What each platform's `serve` command accepts (host.cli.serve_slack / serve_discord).
SERVE_FLAGS = {"slack": {"--socket", "--no-migrate"}, "discord": {"--no-migrate"}}


def plain_serve(args: Sequence[str]) -> tuple[str, set[str]] | None:
    """``(platform, flags)`` when ``args`` is a plain ``serve PLATFORM [FLAG...]``; else None."""
    if len(args) < 2 or args[0] != "serve" or args[1] not in SERVE_FLAGS:
        return None
    flags = list(args[2:])
    if len(set(flags)) != len(flags) or not set(flags) <= SERVE_FLAGS[args[1]]:
        return None
    return args[1], set(flags)


def serve(platform: str, flags: set[str]) -> int:
    """What ``prepbot serve PLATFORM`` does in :mod:`host.cli`, without loading it."""
    # Off through start-up's imports too, as host.process.main keeps it until run() freezes
    # what start built: start frees little, and collecting would rescan the growing heap.
    gc.disable()
    from pydantic import ValidationError

    from bot.settings import load, problems

    try:
        settings = load()
    except ValidationError as exc:  # one line per variable, exit 2 (host.cli._settings)
        for line in problems(exc):
            print(line, file=sys.stderr)
        return 2
    from host.process import main

    options = {"socket": "--socket" in flags} if platform == "slack" else {}
    return main(platform, settings, migrate="--no-migrate" not in flags, **options)


def main() -> None:
    plain = plain_serve(sys.argv[1:])
    if plain is not None:
        try:
            code = serve(*plain)
        except KeyboardInterrupt:  # Ctrl-C before the loop's own handler: as typer (click) says it
            print("\nAborted!", file=sys.stderr)
            code = 1
        sys.exit(code)
    from host.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
