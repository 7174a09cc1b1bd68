"""Builds a running core from settings: database, content, clock and bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.clock import Clock, SystemClock
from bot.content import Library, content_paths, load_library
from bot.features import build_bot
from bot.router import Prepbot
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store.engine import Database
from bot.store.schema import ready_async

__all__ = ["content_paths", "load_content", "running_core"]


def load_content(settings: Settings) -> Library:
    return load_library(content_paths(settings))


@asynccontextmanager
async def running_core(
    settings: Settings, *, clock: Clock | None = None, migrate: bool = True, library: Library | None = None
) -> AsyncIterator[Prepbot]:
    """A Prepbot on the configured database; the engine is disposed on exit.

    ``library`` is the content already loaded (by a child, see host.content_apart); by default it is
    loaded here.
    """
    if library is None:
        library = load_content(settings)
    db = Database(settings.database_url)
    try:
        # A new SQLite file gets the head schema from its snapshot, a database at head is
        # left alone (bot.store.schema); only the rest needs alembic.
        if migrate and not await ready_async(db):
            # Imported here: alembic (with mako and pygments) is ~10 MiB a server that
            # migrates apart (see host.process) never needs.
            from bot.store.migrate import upgrade

            await upgrade(db)
        ctx = ServiceContext(db=db, library=library, clock=clock or SystemClock(), settings=settings)
        yield build_bot(ctx)
    finally:
        await db.dispose()
