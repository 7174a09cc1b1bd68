"""A cache of built bench datasets (SQLite files), so a second ``make bench`` does not build them again.

Building the 10,000,000-vote file takes many minutes; the leaderboard bench only
reads it. A file is cached under a name made from everything that decides its
contents: the schema's migrations (their head revision and the text of every
migration file, so a re-chained or edited migration is a miss) and the bench's
own description of the data (its parameters and bulk SQL). A stale key is simply
never looked up again; older files of the same dataset are removed when a new one
is stored. The folder is ``$PREPBOT_BENCH_CACHE``, else ``$XDG_CACHE_HOME/prepbot/bench``
(``~/.cache/prepbot/bench``); ``PREPBOT_BENCH_CACHE=off`` builds in a temporary
folder every time.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.store.migrate import MIGRATIONS, history


def cache_dir() -> Path | None:
    """Where built datasets are kept, or None when caching is off."""
    given = os.environ.get("PREPBOT_BENCH_CACHE", "")
    if given.lower() == "off":
        return None
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "prepbot" / "bench"


def schema_key() -> str:
    """The head revision and a digest of every migration file (a changed migration is a new schema)."""
    digest = hashlib.sha256()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    head = history()[0][0]
    return f"{head}-{digest.hexdigest()[:12]}"


@dataclass(frozen=True)
class Cached:
    """A dataset file, and whether this run found it in the cache (True) or built it."""

    path: Path
    hit: bool


async def sqlite_dataset(
    name: str, description: str, build: Callable[[Path], Awaitable[None]], scratch: Path
) -> Cached:
    """The SQLite file ``name`` whose contents ``description`` fixes; ``build(path)`` makes it on a miss.

    A file is stored under its final name only once built (written beside it, then
    renamed), so an interrupted build is never taken for a cached one. With
    caching off the file is built in ``scratch``.
    """
    folder = cache_dir()
    if folder is None:
        path = scratch / f"{name}.db"
        await build(path)
        return Cached(path, hit=False)
    key = hashlib.sha256(f"{schema_key()}\n{description}".encode()).hexdigest()[:16]
    path = folder / f"{name}-{key}.db"
    if path.exists():
        return Cached(path, hit=True)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{name}-{key}.partial.db"
    for leftover in folder.glob(f"{name}-*"):  # older keys of this dataset, and any broken build
        leftover.unlink()
    await build(partial)
    _checkpoint(partial)
    partial.rename(path)
    return Cached(path, hit=False)


def _checkpoint(path: Path) -> None:
    # Everything into the main file before it is renamed: a -wal file left beside it would not follow.
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
