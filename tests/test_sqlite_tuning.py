"""Every pooled SQLite connection is tuned as bot.store.engine says, its page cache bounded included."""

from __future__ import annotations

import contextlib
from pathlib import Path

from bot.store.engine import SQLITE_BUSY_MS, SQLITE_CACHE_KIB, Database


async def test_every_pooled_sqlite_connection_is_tuned_with_a_bounded_page_cache(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'tuned.db'}")
    pragmas: list[dict[str, object]] = []
    try:
        # Three held at once: three connections of the pool, each tuned when it connected. Read
        # on the driver's connection, outside any transaction (a BEGIN IMMEDIATE would wait).
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(3):
                conn = await stack.enter_async_context(db.engine.connect())
                driver = (await conn.get_raw_connection()).driver_connection
                assert driver is not None
                row: dict[str, object] = {}
                for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous", "cache_size"):
                    async with driver.execute(f"PRAGMA {name}") as cursor:
                        row[name] = (await cursor.fetchone())[0]
                pragmas.append(row)
            assert db.engine.pool.checkedout() == 3  # type: ignore[attr-defined]
    finally:
        await db.dispose()
    expected = {
        "journal_mode": "wal",
        "busy_timeout": SQLITE_BUSY_MS,
        "foreign_keys": 1,
        "synchronous": 1,  # NORMAL
        "cache_size": -SQLITE_CACHE_KIB,  # negative: KiB, not pages
    }
    assert pragmas == [expected] * 3
    assert SQLITE_CACHE_KIB < 2000  # below SQLite's default of 2,000 KiB a connection
