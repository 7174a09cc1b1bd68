"""Bulk-loads the bench dataset into a migrated database, SQLite or PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from bench import dataset
from bench.dataset import START, Shape

TABLES: dict[str, tuple[str, ...]] = {
    "member": ("id", "space_id", "external_id", "display_name", "created_at"),
    "promptpost": (
        "id",
        "space_id",
        "channel_id",
        "scenario_id",
        "status",
        "message_id",
        "reason",
        "created_at",
    ),
    "answer": ("id", "space_id", "prompt_id", "member_id", "created_at"),
    "answerpart": ("answer_id", "prompt_id", "message_id", "text", "created_at", "updated_at"),
    "vote": ("id", "space_id", "prompt_id", "answer_id", "voter_id", "slot", "created_at"),
    "pointevent": ("space_id", "member_id", "points", "reason", "event_key", "created_at"),
}


def _rows(shape: Shape) -> dict[str, Iterable[tuple[object, ...]]]:
    return {
        "member": dataset.members(shape),
        "promptpost": dataset.prompts(shape),
        "answer": ((a, 1, p, m, START) for a, p, m in dataset.answers(shape)),
        "answerpart": dataset.answer_parts(shape),
        # The j-th vote on each answer takes slot j+1: within a prompt those voters are distinct,
        # so the (prompt, voter, slot) key of migration 0011 holds.
        "vote": (
            (v, 1, p, a, m, (v - 1) % shape.votes_per_answer + 1, START)
            for v, p, a, m in dataset.votes(shape)
        ),
        "pointevent": dataset.point_events(shape),
    }


def _prelude() -> list[tuple[str, tuple[object, ...]]]:
    return [
        (
            "INSERT INTO space (id, platform, external_id, name, created_at)"
            " VALUES (1, 'slack', 'T1', 'bench', ?)",
            (START,),
        ),
        (
            "INSERT INTO channel"
            " (id, space_id, external_id, name, timezone, weekdays, pack_id, reminders, created_at)"
            " VALUES (1, 1, 'C1', 'bench', 'UTC', '0,1,2,3,4,5,6', '', false, ?)",
            (START,),
        ),
    ]


def load_sqlite(url: str, shape: Shape) -> None:
    """Fill a migrated SQLite file (the path inside ``url``)."""
    path = make_url(url).database
    assert path
    conn = sqlite3.connect(path)
    try:
        with conn:
            for sql, params in _prelude():
                conn.execute(sql, tuple(_sqlite_value(v) for v in params))
            for table, rows in _rows(shape).items():
                columns = TABLES[table]
                marks = ", ".join("?" for _ in columns)
                conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    (tuple(_sqlite_value(v) for v in row) for row in rows),
                )
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def load_postgres(url: str, shape: Shape) -> None:
    """Fill a migrated PostgreSQL database with COPY."""
    parsed = make_url(url)
    conn = await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, database=parsed.database
    )
    try:
        async with conn.transaction():
            for sql, params in _prelude():
                numbered = sql.replace("?", "$1")
                await conn.execute(numbered, *params)
            for table, rows in _rows(shape).items():
                await conn.copy_records_to_table(table, records=list(rows), columns=list(TABLES[table]))
            for table in ("member", "promptpost", "answer", "answerpart", "vote", "pointevent"):
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def _sqlite_value(value: object) -> object:
    # SQLAlchemy's SQLite DateTime stores 'YYYY-MM-DD HH:MM:SS.ffffff' without an offset.
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value
