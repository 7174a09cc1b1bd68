"""Set-based statements (``bot.store.sql.Rows``): in the unit's transaction, failing as SQLAlchemy's do.

On PostgreSQL they go straight to the driver (``bot.store.driver``); what a caller
sees must not change: the same transaction, the same rows, the same errors.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Integer, text
from sqlalchemy.exc import DBAPIError
from sqlmodel.sql.sqltypes import UTCDateTime

from bot.store.engine import Database
from bot.store.sql import Rows
from tests.support.postgres import PostgresCluster

ROWS = Rows("c", (("a", Integer()), ("at", UTCDateTime())))
AT = dt.datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=dt.UTC)
COPY = "INSERT INTO copied (a) SELECT a FROM c"


async def _copied(db: Database) -> list[int]:
    async with db.unit() as s:
        return sorted(int(a) for (a,) in (await s.execute(text("SELECT a FROM copied"))).all())


async def test_rows_are_written_in_the_units_transaction_and_roll_back_with_it(db: Database) -> None:
    async with db.unit() as s:
        await s.execute(text("CREATE TABLE copied (a INTEGER)"))
    with pytest.raises(RuntimeError):
        async with db.unit() as s:
            await ROWS.run(s, COPY, [(1, AT), (2, AT)])  # the transaction's first statement
            raise RuntimeError("the use case failed after its write")
    async with db.unit() as s:
        await s.execute(text("INSERT INTO copied (a) VALUES (3)"))
        await ROWS.run(s, COPY, [(4, AT)])
    assert await _copied(db) == [3, 4]


async def test_a_failing_statement_raises_sqlalchemys_error_and_the_next_unit_works(db: Database) -> None:
    with pytest.raises(DBAPIError):
        async with db.unit() as s:
            await ROWS.run(s, "INSERT INTO member (id) SELECT a FROM c", [(1, AT)])  # NOT NULL columns
    async with db.unit() as s:
        rows = (
            await ROWS.run(s, "SELECT a, at FROM c ORDER BY a", [(6, AT), (5, AT)], at=UTCDateTime())
        ).all()
    assert [(int(a), at) for a, at in rows] == [(5, AT), (6, AT)]


async def test_a_connection_lost_mid_transaction_is_a_database_error_and_the_next_unit_reconnects(
    postgres: PostgresCluster,
) -> None:
    db = Database(postgres.new_database())
    try:
        with pytest.raises(DBAPIError) as lost:
            async with db.unit() as s:
                pid = (await s.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                async with db.engine.connect() as other:
                    # The timeout makes it wait until the backend is gone.
                    await other.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
                await ROWS.run(s, "SELECT a FROM c", [(1, AT)])
        assert lost.value.connection_invalidated
        async with db.unit() as s:
            assert [int(a) for (a,) in (await ROWS.run(s, "SELECT a FROM c", [(2, AT)])).all()] == [2]
    finally:
        await db.dispose()
