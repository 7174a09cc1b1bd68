"""Discord `/prep help`: gateway dispatch to interaction callback and to answer, against bare discord.py.

Each client is the real discord.py client connected to the fake Discord of
``tests/support`` (gateway websocket and REST on 127.0.0.1, in this process):
prepbot's ``PrepClient`` around a core on a SQLite file in a temp dir, and a bare
``discord.Client`` whose ``/prep help`` (an ``app_commands`` group, as prepbot's)
only defers (ephemeral "thinking") and then edits the original response with a
fixed text, the same two calls prepbot makes. Interactions are sent one at a time
(sequential, each waits for its answer): latency is from just before the fake
sends INTERACTION_CREATE to the moment the fake's REST receives the interaction
callback (the ack), and the edited answer. discord.py keeps its REST base in a
class attribute, so the two clients run one after the other, in ``BLOCKS``
alternating blocks, each on a fresh fake.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import discord
from aiohttp import web
from discord import app_commands

from adapters.discord.client import cancel_pending_ready
from adapters.discord.server import apply_endpoints
from bench.common import Result, percentile
from bot.content import load_library, shipped_content_root
from tests.support.discord_harness import discord_settings, endpoints, running_bot
from tests.support.fake_discord import TOKEN, FakeDiscord

PER_BLOCK = 100
BLOCKS = 2  # per client: 2 x 100 = 200 timed interactions each
WARM_UP = 10
WAIT_S = 10.0
BARE_ANSWER = "prepbot helps your team prepare for interviews. Try /prep quiz."


class TimedFake(FakeDiscord):
    """The fake Discord, noting when each interaction's callback and first answer arrive."""

    def __init__(self) -> None:
        super().__init__()
        self.acked: dict[str, float] = {}
        self.answered: dict[str, float] = {}
        self.done: dict[str, asyncio.Event] = {}

    async def _callback(self, request: web.Request) -> web.Response:
        self.acked.setdefault(request.match_info["iid"], time.perf_counter())
        return await super()._callback(request)

    def _answer_arrived(self, token: str) -> None:
        now = time.perf_counter()
        found = self._by_token(token)
        if found is not None:
            iid = str(found.payload["id"])
            self.answered.setdefault(iid, now)
            self.done.setdefault(iid, asyncio.Event()).set()

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        self._answer_arrived(request.match_info["token"])
        return await super()._edit_webhook_message(request)

    async def _followup(self, request: web.Request) -> web.Response:
        self._answer_arrived(request.match_info["token"])
        return await super()._followup(request)

    async def timed_help(self, name: str) -> tuple[float, float]:
        """Dispatch ``/prep help`` by ``name``; (ms to the callback, ms to the answer)."""
        payload = self.command(name, "help")
        iid = str(payload["id"])
        done = self.done.setdefault(iid, asyncio.Event())
        started = time.perf_counter()
        await self.dispatch("INTERACTION_CREATE", payload)
        await asyncio.wait_for(done.wait(), WAIT_S)
        if iid not in self.acked:
            raise RuntimeError(f"interaction {iid} was answered without a callback")
        return (self.acked[iid] - started) * 1000, (self.answered[iid] - started) * 1000


class BareClient(discord.Client):
    """The baseline: ``/prep help`` defers, then edits the original response. Nothing else."""

    def __init__(self) -> None:
        wanted = discord.Intents.none()
        wanted.guilds = True
        super().__init__(intents=wanted, chunk_guilds_at_startup=False)
        self.tree: app_commands.CommandTree[Any] = app_commands.CommandTree(self)
        group = app_commands.Group(name="prep", description="Interview prep")

        @group.command(name="help", description="What prepbot can do")
        async def help_(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.edit_original_response(content=BARE_ANSWER)

        self.tree.add_command(group)


@asynccontextmanager
async def _fake() -> AsyncIterator[TimedFake]:
    fake = TimedFake()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@asynccontextmanager
async def _bare_running(fake: TimedFake, database_url: str) -> AsyncIterator[BareClient]:
    async with endpoints():
        apply_endpoints(discord_settings(fake, database_url))
        client = BareClient()
        async with client:
            runner = asyncio.create_task(client.start(TOKEN))
            try:
                await fake.until(lambda: client.get_guild(int(fake.guild_id)), timeout=30)
                yield client
            finally:
                cancel_pending_ready(client)  # as prepbot's client does on close
                await client.close()
                await asyncio.wait({runner}, timeout=10)


async def _block(fake: TimedFake) -> tuple[list[float], list[float]]:
    names = list(fake.people)
    for n in range(WARM_UP):
        await fake.timed_help(names[n % len(names)])
    acks, answers = [], []
    for n in range(PER_BLOCK):
        ack, answer = await fake.timed_help(names[n % len(names)])
        acks.append(ack)
        answers.append(answer)
    return acks, answers


async def run() -> list[Result]:
    library = load_library([shipped_content_root()])
    ours_ack: list[float] = []
    ours_answer: list[float] = []
    bare_ack: list[float] = []
    bare_answer: list[float] = []
    with tempfile.TemporaryDirectory(prefix="prepbot-bench-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'prepbot.db'}"
        for _ in range(BLOCKS):
            async with _fake() as fake, running_bot(fake, url, library):
                acks, answers = await _block(fake)
                ours_ack += acks
                ours_answer += answers
            async with _fake() as fake, _bare_running(fake, url):
                acks, answers = await _block(fake)
                bare_ack += acks
                bare_answer += answers
    note = f"{len(ours_ack)} interactions per client, one at a time, {BLOCKS} alternating blocks"
    return [
        Result(
            "Discord /prep help: dispatch to callback p50",
            percentile(ours_ack, 50),
            percentile(bare_ack, 50),
            "ms",
            note=note,
        ),
        Result(
            "Discord /prep help: dispatch to callback p99",
            percentile(ours_ack, 99),
            percentile(bare_ack, 99),
            "ms",
        ),
        Result(
            "Discord /prep help: dispatch to answer p50",
            percentile(ours_answer, 50),
            percentile(bare_answer, 50),
            "ms",
        ),
        Result(
            "Discord /prep help: dispatch to answer p99",
            percentile(ours_answer, 99),
            percentile(bare_answer, 99),
            "ms",
        ),
    ]
