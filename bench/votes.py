"""Votes per second as a real click casts them, against raw SQL inserts of the same rows.

Each vote is a ``ButtonPressed`` for the vote action handed to ``Prepbot.handle``
(claim, decode, handler, reply to a recording port): the path a Slack or Discord
click takes once the adapter has translated it. The baseline inserts the same vote
rows with plain SQL on the bare driver, one transaction each, in the same run.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiosqlite
import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.common import RecordingPort, Result
from bot.buttons import VoteChoice
from bot.clock import SystemClock
from bot.content import load_library, shipped_content_root
from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.events import ButtonPressed
from bot.features import build_bot
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store.engine import Database
from bot.store.migrate import upgrade
from tests.support.postgres import PostgresCluster

ANSWERS = 100
VOTERS = 2_000
BUDGET = 2  # each voter's votes per prompt (PREPBOT_VOTES_PER_MEMBER's default)
VOTES = VOTERS * BUDGET
CONCURRENCY = 16
SPACE = SpaceRef("slack", "T1", "bench")
CHANNEL = ChannelRef(SPACE, "C1", "bench")


def _pairs(offset: int) -> list[tuple[int, int]]:
    """VOTES distinct (answer id, voter member id) pairs, BUDGET per voter; never for themselves."""
    rng = random.Random(offset)
    pairs = [(a, ANSWERS + 1 + v) for v in range(VOTERS) for a in rng.sample(range(1, ANSWERS + 1), BUDGET)]
    rng.shuffle(pairs)
    return pairs


def _slots(pairs: list[tuple[int, int]]) -> list[int]:
    """Each pair's slot in its voter's budget (1, 2…), as the vote service assigns them."""
    seen: dict[int, int] = {}
    slots = []
    for _, voter in pairs:
        seen[voter] = seen.get(voter, 0) + 1
        slots.append(seen[voter])
    return slots


async def _seed(db: Database) -> None:
    """One space, one open prompt, ANSWERS answers by their own authors, VOTERS voters."""
    async with db.unit() as s:
        await s.execute(
            text(
                "INSERT INTO space (id, platform, external_id, name, created_at) "
                "VALUES (1, 'slack', 'T1', 'bench', CURRENT_TIMESTAMP)"
            )
        )
        await s.execute(
            text(
                "INSERT INTO channel (id, space_id, external_id, name, timezone, weekdays, pack_id, "
                "reminders, created_at) VALUES (1, 1, 'C1', 'bench', 'UTC', '0,1,2,3,4,5,6', '', "
                "false, CURRENT_TIMESTAMP)"
            )
        )
        for m in range(1, ANSWERS + VOTERS + 1):
            await s.execute(
                text(
                    "INSERT INTO member (id, space_id, external_id, display_name, created_at) "
                    "VALUES (:id, 1, :ext, :name, CURRENT_TIMESTAMP)"
                ),
                {"id": m, "ext": f"U{m}", "name": f"member{m}"},
            )
        for prompt_id, status in ((1, "open"), (2, "open"), (3, "open")):
            await s.execute(
                text(
                    "INSERT INTO promptpost (id, space_id, channel_id, scenario_id, status, message_id, "
                    "reason, attempts, created_at, posted_at) VALUES (:id, 1, 1, 'x', :status, :msg, "
                    "'', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": prompt_id, "status": status, "msg": f"{prompt_id}.0"},
            )
        answer_id = 0
        for prompt_id in (1, 2, 3):
            for a in range(1, ANSWERS + 1):
                answer_id += 1
                await s.execute(
                    text(
                        "INSERT INTO answer (id, space_id, prompt_id, member_id, created_at) "
                        "VALUES (:id, 1, :p, :m, CURRENT_TIMESTAMP)"
                    ),
                    {"id": answer_id, "p": prompt_id, "m": a},
                )
                await s.execute(
                    text(
                        "INSERT INTO answerpart (answer_id, prompt_id, message_id, text, created_at, "
                        "updated_at) VALUES (:id, :p, :msg, 'an answer', CURRENT_TIMESTAMP, "
                        "CURRENT_TIMESTAMP)"
                    ),
                    {"id": answer_id, "p": prompt_id, "msg": f"r{answer_id}"},
                )


async def _rate(jobs: list[Callable[[], Awaitable[object]]]) -> float:
    """Votes per second with CONCURRENCY workers draining ``jobs``."""
    queue = list(reversed(jobs))

    async def worker() -> None:
        while queue:
            await queue.pop()()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return len(jobs) / (time.perf_counter() - start)


async def _raw_rate(url: str) -> float:
    """The baseline: the same rows inserted with plain SQL on the bare driver, one transaction each."""
    pairs = _pairs(3)
    slots = _slots(pairs)
    sql = (
        "INSERT INTO vote (space_id, prompt_id, answer_id, voter_id, slot, created_at) "
        "VALUES ({}, {}, {}, {}, {}, CURRENT_TIMESTAMP) ON CONFLICT DO NOTHING"
    )
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conns = [await aiosqlite.connect(parsed.database or "", timeout=30) for _ in range(CONCURRENCY)]
        for conn in conns:
            await conn.execute("PRAGMA busy_timeout=30000")
        free = list(conns)

        def job_sqlite(answer: int, voter: int, slot: int) -> Callable[[], Awaitable[object]]:
            async def run() -> None:
                conn = free.pop()
                try:
                    await conn.execute("BEGIN IMMEDIATE")
                    await conn.execute(
                        sql.format("?", "?", "?", "?", "?"), (1, 3, 2 * ANSWERS + answer, voter, slot)
                    )
                    await conn.commit()
                finally:
                    free.append(conn)

            return run

        rate = await _rate([job_sqlite(a, v, n) for (a, v), n in zip(pairs, slots, strict=True)])
        for conn in conns:
            await conn.close()
        return rate
    pool = await asyncpg.create_pool(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        database=parsed.database,
        min_size=CONCURRENCY,
        max_size=CONCURRENCY,
    )

    def job_pg(answer: int, voter: int, slot: int) -> Callable[[], Awaitable[object]]:
        async def run() -> None:
            async with pool.acquire() as conn:
                await conn.execute(
                    sql.format("$1", "$2", "$3", "$4", "$5"), 1, 3, 2 * ANSWERS + answer, voter, slot
                )

        return run

    rate = await _rate([job_pg(a, v, n) for (a, v), n in zip(pairs, slots, strict=True)])
    await pool.close()
    return rate


async def _compare(url: str, backend: str) -> list[Result]:
    db = Database(url)
    await upgrade(db)
    await _seed(db)
    ctx = ServiceContext(
        db=db, library=load_library([shipped_content_root()]), clock=SystemClock(), settings=Settings()
    )
    bot = build_bot(ctx)
    port = RecordingPort()

    def press(n: int, answer: int, voter: int) -> Callable[[], Awaitable[object]]:
        member = MemberRef(SPACE, f"U{voter}", f"member{voter}")
        value = VoteChoice(prompt_id=2, answer_id=ANSWERS + answer)
        event = ButtonPressed(f"bench-{n}", CHANNEL, member, value.ACTION, value.encode())
        return lambda: bot.handle(event, port)

    routed = await _rate([press(n, a, v) for n, (a, v) in enumerate(_pairs(2))])
    raw = await _raw_rate(url)
    recorded = sum(1 for text in port.whispers if text.startswith("Vote for answer"))
    if recorded != VOTES:
        raise AssertionError(f"{recorded} of {VOTES} clicks were answered as recorded votes")
    async with db.unit() as s:
        counts = (
            await s.execute(text("SELECT prompt_id, COUNT(*) FROM vote GROUP BY prompt_id ORDER BY 1"))
        ).all()
    await db.dispose()
    note = "votes stored per prompt: " + ", ".join(f"{p}:{n}" for p, n in counts)
    return [
        Result(
            f"votes/s via a button press, router included ({backend})",
            routed,
            raw,
            "/s",
            higher_is_better=True,
            note=note,
        ),
    ]


async def run() -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="prepbot-bench-") as folder:
        results += await _compare(f"sqlite+aiosqlite:///{Path(folder) / 'votes.db'}", "sqlite")
    cluster = PostgresCluster().start()
    try:
        results += await _compare(cluster.new_database(), "postgresql")
    finally:
        cluster.stop()
    return results
