"""Leaderboard at 10,000,000 votes against the same leaderboard at 100,000 votes (running totals).

Each dataset is built in bulk SQL at revision 0011 (a recursive CTE on SQLite,
``generate_series`` on PostgreSQL): 1,000 members, 100 answers per prompt, 10
votes per answer over 60 days, and the ledger rows a reveal writes for them (an
answer's 5 points, its votes' 2 points each). Then the real migration 0013
back-fills the running totals from those rows, and the product's leaderboard
query (``ledger.standings``, as ``/prep leaderboard all`` and ``week`` call it)
is timed, best of 7 after a warm-up. The SQLite files are kept in the bench
cache (:mod:`bench.cache`, keyed by the migrations and the bulk SQL) and reused
by later runs, which print whether the cache was used; PostgreSQL's are built
in each run. A 10 M build dominates the run it happens in (minutes, printed).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
import time
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from bench.cache import cache_dir, sqlite_dataset
from bench.common import Result, best_of
from bot.services.leaderboard import first_day_of
from bot.store.engine import Database
from bot.store.ledger import standings
from bot.store.migrate import upgrade
from tests.support.postgres import PostgresCluster

SMALL, LARGE = 100_000, 10_000_000
MEMBERS, ANSWERS_PER_PROMPT, VOTES_PER_ANSWER = 1_000, 100, 10
EPOCH = 1767225600  # 2026-01-01 00:00 UTC
SPAN_MINUTES = 60 * 24 * 60
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # just after the last day of data
RUNS = 7
DATASET_VERSION = 1  # part of the SQLite cache key: bump it when _build changes what a file holds
BULK_TABLES = "('answer', 'vote', 'pointevent')"

# Answer a (1..): prompt p = (a-1)/100 + 1, author (7p + (a-1)%100) % 1000 + 1 (distinct in a prompt).
# Vote v (1..): answer (v-1)/10 + 1, slot j+1 with j = (v-1)%10, voter author + 13(j+1) (never the author).
_PROMPT = "((i - 1) / {apa} + 1)"
_AUTHOR = f"((7 * {_PROMPT} + (i - 1) % {{apa}}) % {MEMBERS} + 1)"
TABLES: list[tuple[str, str, str, str]] = [
    # (table, columns, expressions over i, how many rows: "members" | "prompts" | "answers" | "votes")
    (
        "member",
        "id, space_id, external_id, display_name, created_at",
        "i, 1, 'U' || i, 'member' || i, {t0}",
        "members",
    ),
    (
        "promptpost",
        "id, space_id, channel_id, scenario_id, status, message_id, reason, created_at",
        "i, 1, 1, 'scenario', 'revealed', i || '.000', '', {t0}",
        "prompts",
    ),
    (
        "answer",
        "id, space_id, prompt_id, member_id, created_at",
        f"i, 1, {_PROMPT}, {_AUTHOR}, {{ta}}",
        "answers",
    ),
    (
        "vote",
        "id, space_id, prompt_id, answer_id, voter_id, slot, created_at",
        "i, 1, (((i - 1) / {vpa}) / {apa} + 1), ((i - 1) / {vpa} + 1),"
        " ((7 * (((i - 1) / {vpa}) / {apa} + 1) + ((i - 1) / {vpa}) % {apa}) % 1000 + 1"
        " + 13 * ((i - 1) % {vpa} + 1)) % 1000 + 1, (i - 1) % {vpa} + 1, {tv}",
        "votes",
    ),
    (
        "pointevent",
        "space_id, member_id, points, reason, event_key, created_at",
        f"1, {_AUTHOR}, 5, 'prompt-answer', 'a:' || i || ':answer', {{ta}}",
        "answers",
    ),
    (
        "pointevent",
        "space_id, member_id, points, reason, event_key, created_at",
        f"1, {_AUTHOR}, 2 * {{vpa}}, 'prompt-votes', 'a:' || i || ':votes', {{ta}}",
        "answers",
    ),
]
PRELUDE = [
    "INSERT INTO space (id, platform, external_id, name, created_at)"
    " VALUES (1, 'slack', 'T1', 'bench', {t0})",
    "INSERT INTO channel"
    " (id, space_id, external_id, name, timezone, weekdays, pack_id, reminders, created_at)"
    " VALUES (1, 1, 'C1', 'bench', 'UTC', '0,1,2,3,4,5,6', '', false, {t0})",
]


def _counts(votes: int) -> dict[str, int]:
    answers = votes // VOTES_PER_ANSWER
    return {"members": MEMBERS, "prompts": answers // ANSWERS_PER_PROMPT, "answers": answers, "votes": votes}


def _statements(votes: int, dialect: str) -> list[str]:
    """The bulk SQL that fills a database at revision 0011 with ``votes`` votes."""
    if dialect == "sqlite":

        def when(minutes: str) -> str:
            return f"strftime('%Y-%m-%d %H:%M:%S.000000', {EPOCH} + ({minutes}) * 60, 'unixepoch')"
    else:

        def when(minutes: str) -> str:
            return f"to_timestamp({EPOCH} + ({minutes}) * 60)"

    names = {
        "apa": ANSWERS_PER_PROMPT,
        "vpa": VOTES_PER_ANSWER,
        "t0": when("0"),
        "ta": when(f"(i * {VOTES_PER_ANSWER}) % {SPAN_MINUTES}"),
        "tv": when(f"i % {SPAN_MINUTES}"),
    }
    counts = _counts(votes)
    out = [sql.format(**names) for sql in PRELUDE]
    for table, columns, exprs, size in TABLES:
        select = f"SELECT {exprs.format(**names)}"
        n = counts[size]
        if dialect == "sqlite":
            series = f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) "
            out.append(f"{series}INSERT INTO {table} ({columns}) {select} FROM n")
        else:
            out.append(f"INSERT INTO {table} ({columns}) {select} FROM generate_series(1, {n}) AS n(i)")
    return out


async def _build(url: str, votes: int) -> None:
    """Fill the database at ``url`` with ``votes`` votes, its totals back-filled by the migration."""
    db = Database(url)
    await upgrade(db, "0011_loop")
    await db.dispose()  # the bulk load below uses the driver directly
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database
        conn = sqlite3.connect(parsed.database, isolation_level=None)
        try:
            for pragma in ("synchronous = OFF", "cache_size = -1000000"):
                conn.execute(f"PRAGMA {pragma}")
            conn.execute("BEGIN")
            # As for any bulk load: secondary indexes are built once after the rows, not row by row.
            indexes = conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                f" AND tbl_name IN {BULK_TABLES}"
            ).fetchall()
            for name, _ in indexes:
                conn.execute(f"DROP INDEX {name}")
            for sql in _statements(votes, "sqlite"):
                conn.execute(sql)
            for _, sql in indexes:
                conn.execute(sql)
            conn.execute("COMMIT")
        finally:
            conn.close()
    else:
        pg = await asyncpg.connect(
            host=parsed.host, port=parsed.port, user=parsed.username, database=parsed.database
        )
        try:
            async with pg.transaction():
                # PostgreSQL's advice for populating a database: drop the indexes and foreign
                # keys, load, then create them again (each built or checked once, in bulk).
                await pg.execute("SET LOCAL maintenance_work_mem = '256MB'")
                keys = await pg.fetch(
                    "SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def"
                    " FROM pg_constraint WHERE contype IN ('u', 'f')"
                    f" AND conrelid::regclass::text IN {BULK_TABLES}"
                    " ORDER BY contype DESC"  # unique keys back before the foreign keys
                )
                indexes = await pg.fetch(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
                    f" AND tablename IN {BULK_TABLES} AND indexname NOT LIKE '%_pkey'"
                    " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
                )
                for key in keys:
                    await pg.execute(f"ALTER TABLE {key['tbl']} DROP CONSTRAINT {key['conname']}")
                for index in indexes:
                    await pg.execute(f"DROP INDEX {index['indexname']}")
                for sql in _statements(votes, "postgresql"):
                    await pg.execute(sql)
                for index in indexes:
                    await pg.execute(index["indexdef"])
                for key in keys:
                    await pg.execute(f"ALTER TABLE {key['tbl']} ADD CONSTRAINT {key['conname']} {key['def']}")
            for table in ("member", "promptpost", "answer", "vote", "pointevent"):
                await pg.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        finally:
            await pg.close()
    await upgrade(db)  # 0013: create the totals and back-fill them from the rows above
    async with db.engine.begin() as analyzing:
        await analyzing.exec_driver_sql("ANALYZE")
    await db.dispose()


async def _sqlite(votes: int, scratch: Path) -> tuple[str, str, bool]:
    """(url, how it was made, cache hit) of the SQLite dataset with ``votes`` votes."""
    start = time.perf_counter()

    async def build(path: Path) -> None:
        await _build(f"sqlite+aiosqlite:///{path}", votes)

    # Everything the file's contents follow from; the migrations are added by the cache.
    description = "\n".join(
        [f"totals v{DATASET_VERSION} {votes} {MEMBERS} {SPAN_MINUTES}", *_statements(votes, "sqlite")]
    )
    cached = await sqlite_dataset(f"totals-{votes}", description, build, scratch)
    made = "from the cache" if cached.hit else f"built in {time.perf_counter() - start:.0f} s"
    return f"sqlite+aiosqlite:///{cached.path}", f"{votes:,} votes {made}", cached.hit


async def _postgres(url: str, votes: int) -> tuple[str, str]:
    start = time.perf_counter()
    await _build(url, votes)
    return url, f"{votes:,} votes built in {time.perf_counter() - start:.0f} s"


async def _board(db: Database, period: str) -> float:
    first_day = first_day_of(period, NOW)

    async def board() -> None:
        async with db.unit() as session:
            rows = await standings(session, space_id=1, first_day=first_day, limit=10)
            assert len(rows) == 10, "the dataset must fill a board"

    await board()
    return await best_of(RUNS, board)


async def _compare(sources: list[tuple[str, str]], backend: str) -> list[Result]:
    """``sources``: (url, how it was made) of the SMALL then the LARGE dataset."""
    timings: dict[int, dict[str, float]] = {}
    for votes, (url, _) in zip((SMALL, LARGE), sources, strict=True):
        db = Database(url)
        timings[votes] = {period: await _board(db, period) for period in ("all", "week")}
        await db.dispose()
    note = "; ".join(made for _, made in sources)
    return [
        Result(
            f"leaderboard at 10,000,000 vs 100,000 votes ({backend})",
            timings[LARGE]["all"],
            timings[SMALL]["all"],
            "ms",
            note=f"all time; {note}",
        ),
        Result(f"same, last 7 days ({backend})", timings[LARGE]["week"], timings[SMALL]["week"], "ms"),
    ]


async def run() -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="prepbot-totals-") as folder:
        made = [await _sqlite(votes, Path(folder)) for votes in (SMALL, LARGE)]
        folder_used = cache_dir()
        hits = sum(hit for _, _, hit in made)
        verdict = (
            "off (PREPBOT_BENCH_CACHE=off), built in a temporary folder"
            if folder_used is None
            else f"used for {hits} of 2 files"
            if hits
            else "not used (built and stored for the next run)"
        )
        print(f"   sqlite dataset cache: {verdict}; {folder_used or folder}", flush=True)
        results += await _compare([(url, note) for url, note, _ in made], "sqlite")
    cluster = PostgresCluster().start()
    try:
        sources = [await _postgres(cluster.new_database(), votes) for votes in (SMALL, LARGE)]
        results += await _compare(sources, "postgresql")
    finally:
        cluster.stop()
    return results
