"""Shared fixtures: real SQLite files and a real PostgreSQL server, never mocks."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.content import Library, load_library, shipped_content_root
from bot.features import build_bot
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store.engine import Database
from bot.store.migrate import upgrade
from bot.store.schema import ready_async
from tests.support.discord_harness import Running, running_bot
from tests.support.fake_discord import FakeDiscord
from tests.support.postgres import PostgresCluster

# Property tests: `make test` selects the "ci" profile (pyproject's addopts), which
# draws the same examples on every run and keeps no example database, so a verdict
# depends only on the commit. `make fuzz` selects "fuzz": many more examples, a new
# seed each run (printed by the Makefile). A failure either finds is pinned as an
# explicit @example in the test, so the ci profile checks it forever.
_SHARED = {
    "deadline": None,
    "database": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
settings.register_profile("ci", derandomize=True, max_examples=100, **_SHARED)
settings.register_profile("fuzz", derandomize=False, max_examples=4000, **_SHARED)


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library([shipped_content_root()])


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'prepbot.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'prepbot.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.new_database()


@pytest.fixture
async def db(database_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """A migrated database on each backend."""
    # As `prepbot serve` does: a new SQLite file gets the head schema snapshot (the same
    # schema, tests/test_schema_snapshot.py); a PostgreSQL database becomes a copy of one
    # migrated once per run; migrations run in tests/test_store.py & co.
    if database_url.startswith("postgresql"):
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        cluster.migrated_database(database_url)
    database = Database(database_url)
    if not await ready_async(database):
        await upgrade(database)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def ctx(db: Database, library: Library, clock: ManualClock) -> ServiceContext:
    return ServiceContext(db=db, library=library, clock=clock, settings=Settings(), rng=random.Random(7))


@pytest.fixture
def session(ctx: ServiceContext, clock: ManualClock) -> ConsoleSession:
    """The console harness on a migrated database: ``await session.push('alice: /prep quiz')``."""
    return ConsoleSession(build_bot(ctx), clock)


@pytest.fixture
async def fake(request: pytest.FixtureRequest) -> AsyncIterator[FakeDiscord]:
    """A fake Discord (REST and gateway) on 127.0.0.1, for the Discord adapter's tests.

    A test module that needs a fan-out sets ``DISCORD_CHANNELS`` (the fake's text channels).
    """
    server = await FakeDiscord(channels=getattr(request.module, "DISCORD_CHANNELS", 1)).start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def app(fake: FakeDiscord, database_url: str, library: Library) -> AsyncIterator[Running]:
    """prepbot's real discord.py client connected to ``fake``, its core on SQLite, then PostgreSQL."""
    async with running_bot(fake, database_url, library) as running:
        yield running
