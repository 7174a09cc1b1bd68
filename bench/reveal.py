"""The reveal after one member sent 1,000 long replies, against the reveal of one ordinary answer.

Both prompts live in one SQLite file, filled through the console and the router
(each reply 2,000 characters, Discord's longest message). Timed: ``reveal`` of
the prompt (its answers read, ranked and rendered, the digest handed to the
port), best of 5 after a warm-up; memory: the peak traced by ``tracemalloc``
during one reveal. The baseline is the same reveal of a prompt with one reply,
so the ratio says what 999 more replies cost once an answer is bounded
(``MAX_REPLIES`` replies, ``MAX_ANSWER_CHARS`` characters).
"""

from __future__ import annotations

import random
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import update
from sqlmodel import col, select

from adapters.console.session import ConsoleSession
from bench.common import Result
from bot.clock import ManualClock
from bot.content import load_library, shipped_content_root
from bot.features import build_bot
from bot.services import digest
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store import prompts as store
from bot.store.engine import Database
from bot.store.migrate import upgrade
from bot.store.models import PromptPost

REPLIES = 1_000
REPLY = "x" * 1_990
RUNS = 5


async def _prompt(session: ConsoleSession, channel: str, replies: int) -> int:
    session.use_channel(channel)
    await session.push("alice: /prep prompt")
    for n in range(replies):
        await session.push(f"bob: reply {n:04d} {REPLY}")
    await session.push("carol: reply A short answer.")
    async with session.bot.ctx.db.unit() as s:
        ids = (await s.execute(select(col(PromptPost.id)).order_by(col(PromptPost.id)))).scalars().all()
    return int(ids[-1])


async def _reopen(db: Database, prompt_id: int) -> None:
    async with db.unit() as s:
        await s.execute(
            update(PromptPost)
            .where(col(PromptPost.id) == prompt_id)
            .values(status=store.OPEN, lease_until=None)
        )


async def _measure(ctx: ServiceContext, session: ConsoleSession, prompt_id: int) -> tuple[float, float]:
    """(best reveal time in ms, peak traced memory in MiB)."""
    timings = []
    for run in range(RUNS + 1):
        await _reopen(ctx.db, prompt_id)
        start = time.perf_counter()
        assert await digest.reveal(ctx, session.chat, prompt_id, scheduled=False) == "revealed"
        if run:
            timings.append((time.perf_counter() - start) * 1000)
    await _reopen(ctx.db, prompt_id)
    tracemalloc.start()
    await digest.reveal(ctx, session.chat, prompt_id, scheduled=False)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return min(timings), peak


async def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'reveal.db'}")
        await upgrade(db)
        ctx = ServiceContext(
            db=db,
            library=load_library([shipped_content_root()]),
            clock=ManualClock(),
            settings=Settings(),
            rng=random.Random(7),
        )
        session = ConsoleSession(build_bot(ctx), ctx.clock)  # type: ignore[arg-type]
        session.admins.add("alice")
        flooded = await _prompt(session, "flooded", REPLIES)
        ordinary = await _prompt(session, "ordinary", 1)
        ours_ms, ours_mib = await _measure(ctx, session, flooded)
        base_ms, base_mib = await _measure(ctx, session, ordinary)
        await db.dispose()
    return [
        Result("reveal after 1,000 replies from one member vs one reply: time", ours_ms, base_ms, "ms"),
        Result("same, peak memory during the reveal (tracemalloc)", ours_mib, base_mib, "MiB"),
    ]
