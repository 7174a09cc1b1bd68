"""Leaderboard and digest queries over 1,000,000 votes and 100,000 answers, against hand-written SQL.

The leaderboard reads the running totals (back-filled by migration 0012 from the
loaded rows); its baseline is the hand-written sum over the whole ledger. The
digest's ranking is one query (``digest_ranking.ranked_answers``, what a reveal runs) against
one hand-written one. The hand-written query returns less than the product's: no shared
ranks, no thread numbers, no display-name fallback and no order among an answer's parts;
it is kept as it was, so the ratio is judged against the same baseline as before. Both
digest figures are the best of ``DIGEST_RUNS`` runs taken in turns (a millisecond query
on a shared machine).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from sqlalchemy import text

from bench.common import Result, best_of
from bench.dataset import START, Shape
from bench.load import load_postgres, load_sqlite
from bot.services.digest_ranking import ranked_answers
from bot.store.engine import Database
from bot.store.ledger import standings
from bot.store.migrate import upgrade
from tests.support.postgres import PostgresCluster

RUNS = 5
DIGEST_RUNS = 30
HAND_LEADERBOARD = text(
    """
    SELECT m.id, m.display_name, t.total
    FROM (SELECT member_id, SUM(points) AS total FROM pointevent
          WHERE space_id = :space AND created_at >= :since
          GROUP BY member_id ORDER BY total DESC LIMIT 10) AS t
    JOIN member m ON m.id = t.member_id
    ORDER BY t.total DESC, m.display_name
    """
)
HAND_DIGEST = text(
    """
    SELECT a.id, m.display_name, p.text, COALESCE(v.n, 0) AS votes
    FROM answer a
    JOIN member m ON m.id = a.member_id
    JOIN answerpart p ON p.answer_id = a.id
    LEFT JOIN (SELECT answer_id, COUNT(*) AS n FROM vote WHERE prompt_id = :prompt GROUP BY answer_id) v
      ON v.answer_id = a.id
    WHERE a.prompt_id = :prompt
    ORDER BY votes DESC, a.created_at, a.id
    """
)


async def _compare(db: Database, backend: str) -> list[Result]:
    since_all = START - dt.timedelta(days=1)
    since_week = START + dt.timedelta(days=53)
    results = []
    for label, since in (("all time", since_all), ("last week", since_week)):
        # The board counts whole UTC days: the week starts the day after ``since``.
        first_day = None if label == "all time" else since.date() + dt.timedelta(days=1)

        async def ours(first_day: dt.date | None = first_day) -> None:
            async with db.unit() as session:
                await standings(session, space_id=1, first_day=first_day)

        async def hand(since: dt.datetime = since) -> None:
            async with db.unit() as session:
                (await session.execute(HAND_LEADERBOARD, {"space": 1, "since": since})).all()

        await ours()
        results.append(
            Result(
                f"leaderboard {label} ({backend})", await best_of(RUNS, ours), await best_of(RUNS, hand), "ms"
            )
        )
    results.extend(await _digest(db, backend))
    return results


async def _digest(db: Database, backend: str) -> list[Result]:
    """The digest's ranking of one prompt: one query, its rows grouped into ranked answers."""

    async def ours() -> None:
        async with db.unit() as session:
            await ranked_answers(session, prompt_id=500)

    async def hand() -> None:
        async with db.unit() as session:
            (await session.execute(HAND_DIGEST, {"prompt": 500})).all()

    await ours()
    await hand()
    # Taken in turns, so a busy spell on the shared machine falls on both sides alike.
    timings: dict[str, list[float]] = {"ours": [], "hand": []}
    for _ in range(DIGEST_RUNS):
        timings["ours"].append(await best_of(1, ours))
        timings["hand"].append(await best_of(1, hand))
    name = f"digest ranking of one prompt ({backend})"
    return [Result(name, min(timings["ours"]), min(timings["hand"]), "ms")]


async def _analyze(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql("ANALYZE")


async def run() -> list[Result]:
    shape = Shape()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="prepbot-bench-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        db = Database(url)
        await upgrade(db, "0011_loop")
        load_sqlite(url, shape)
        await upgrade(db)  # 0012 back-fills the running totals from the loaded rows
        await _analyze(db)
        results += await _compare(db, "sqlite")
        await db.dispose()
    cluster = PostgresCluster().start()
    try:
        url = cluster.new_database()
        db = Database(url)
        await upgrade(db, "0011_loop")
        await load_postgres(url, shape)
        await upgrade(db)  # 0012 back-fills the running totals from the loaded rows
        await _analyze(db)
        results += await _compare(db, "postgresql")
        await db.dispose()
    finally:
        cluster.stop()
    return results
