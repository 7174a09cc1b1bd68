"""Runs the console: a script (demo, --script FILE) or an interactive prompt."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from adapters.console.script import ScriptFailed, run_lines
from adapters.console.session import ConsoleSession, ScriptError
from bot.clock import ManualClock
from bot.runtime import running_core
from bot.settings import Settings

# Channel files (the weekly readiness chart) land here; the console prints their path.
FILES_DIR = Path(tempfile.gettempdir()) / "prepbot-console"
BANNER = (
    "prepbot console — type lines like 'alice: /prep quiz', 'alice: press 2', "
    "'bob: reply my answer', 'clock +1h'. Ctrl-D quits."
)


async def run_script_text(settings: Settings, text: str, *, source: str) -> int:
    """Run a whole script; 0 on success, 1 with ``source:line: message`` on failure."""
    clock = ManualClock()  # handed to the core and kept here: the console moves it ('clock +1h')
    async with running_core(settings, clock=clock) as bot:
        session = ConsoleSession(bot, clock, out=print, files_dir=FILES_DIR)
        try:
            await run_lines(session, text.splitlines(), source=source)
        except ScriptFailed as exc:
            print(exc, file=sys.stderr)
            return 1
    return 0


async def run_interactive(settings: Settings) -> int:
    """Read lines from the terminal until end of input."""
    clock = ManualClock()  # handed to the core and kept here: the console moves it ('clock +1h')
    async with running_core(settings, clock=clock) as bot:
        session = ConsoleSession(bot, clock, out=print, files_dir=FILES_DIR)
        print(BANNER)
        while True:
            try:
                line = await asyncio.to_thread(input, "> ")
            except EOFError:
                return 0
            try:
                await session.push(line)
            except ScriptError as exc:
                print(f"! {exc}")
