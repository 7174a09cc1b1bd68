"""Migration 0009: SM-2 review cards become FSRS cards by replaying their attempts, and back.

A database at revision 0008 is filled as the SM-2 code left it (a card made by a
practice miss, moved by review answers), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import text

from bot import memory
from bot.store.engine import Database
from bot.store.migrate import alembic_config, upgrade

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
# (mode, token, correct, minutes after T0): a miss in practice, then three review answers.
ANSWERS = [
    ("practice", "t1", False, 0),
    ("review", "t2", True, 15),
    ("review", "t3", False, 60 * 24 + 15),
    ("review", "t4", True, 60 * 24 + 30),
]


async def _run(db: Database, sql: str, **params: object) -> list:
    async with db.engine.begin() as conn:
        result = await conn.execute(text(sql), params)
        return list(result.all()) if result.returns_rows else []


async def _seed_sm2(db: Database) -> None:
    await _run(
        db,
        "INSERT INTO space (id, platform, external_id, name, created_at) VALUES (1, 'slack', 'T1', '', :t)",
        t=T0,
    )
    await _run(
        db,
        "INSERT INTO member (id, space_id, external_id, display_name, created_at)"
        " VALUES (1, 1, 'U1', 'a', :t)",
        t=T0,
    )
    for n, (mode, token, correct, minutes) in enumerate(ANSWERS, start=1):
        await _run(
            db,
            "INSERT INTO quizattempt"
            " (id, space_id, member_id, item_id, topic, mode, token, correct, created_at)"
            " VALUES (:id, 1, 1, 'cv-1', 'culture-values', :mode, :token, :correct, :at)",
            id=n,
            mode=mode,
            token=token,
            correct=correct,
            at=T0 + dt.timedelta(minutes=minutes),
        )
    # The SM-2 state those answers left: ease 2.5-0.54 after the lapse, interval 1, one repetition.
    await _run(
        db,
        "INSERT INTO reviewcard (id, space_id, member_id, item_id, ease, interval_days, repetitions, lapses,"
        " due_at, updated_at) VALUES (1, 1, 1, 'cv-1', 1.96, 1, 1, 2, :due, :due)",
        due=T0 + dt.timedelta(days=2, minutes=30),
    )


async def test_sm2_cards_are_replayed_through_fsrs_and_back(database_url: str) -> None:
    db = Database(database_url)
    try:
        await upgrade(db, "0008")
        await _seed_sm2(db)
        await upgrade(db)
        [card] = await _run(
            db, "SELECT state, stability, difficulty, lapses, reps, due_at, last_review FROM reviewcard"
        )
        expected = None
        for _mode, _token, correct, minutes in ANSWERS:
            expected = memory.grade(expected, correct, T0 + dt.timedelta(minutes=minutes))
        assert expected is not None
        assert (card.state, card.reps, card.lapses) == (expected.state, 4, expected.lapses)
        assert abs(card.stability - expected.stability) < 1e-9
        assert abs(card.difficulty - expected.difficulty) < 1e-9
        logs = await _run(db, "SELECT mode, token, rating FROM reviewlog ORDER BY reviewed_at")
        assert [tuple(r) for r in logs] == [
            ("practice", "t1", 1),
            ("review", "t2", 3),
            ("review", "t3", 1),
            ("review", "t4", 3),
        ]
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0008"))
        [back] = await _run(db, "SELECT ease, interval_days, repetitions, lapses, due_at FROM reviewcard")
        assert (round(back.ease, 2), back.interval_days, back.repetitions, back.lapses) == (1.96, 1, 1, 2)
        tables = await _run(
            db,
            "SELECT table_name FROM information_schema.tables WHERE table_name = 'reviewlog'"
            if database_url.startswith("postgresql")
            else "SELECT name FROM sqlite_master WHERE name = 'reviewlog'",
        )
        assert tables == []
    finally:
        await db.dispose()
