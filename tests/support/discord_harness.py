"""The real discord.py client, pointed at the fake Discord, around a core on SQLite."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import discord

from adapters.discord.client import PrepClient
from adapters.discord.connector import build_client
from adapters.discord.server import apply_endpoints
from bot.clock import ManualClock
from bot.content import Library
from bot.features import build_bot
from bot.router import Prepbot
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store.engine import Database
from bot.store.migrate import upgrade
from tests.support.fake_discord import TOKEN, FakeDiscord


def discord_settings(fake: FakeDiscord, database_url: str, **extra: object) -> Settings:
    values: dict[str, object] = {
        "PREPBOT_DATABASE_URL": database_url,
        "DISCORD_BOT_TOKEN": TOKEN,
        "DISCORD_API_URL": fake.api_url,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        **extra,
    }
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class Running:
    """A connected client, its core and the fake it talks to."""

    fake: FakeDiscord
    client: PrepClient
    bot: Prepbot
    clock: ManualClock

    async def send(self, event: str, data: dict[str, object]) -> None:
        await self.fake.dispatch(event, data)

    async def settle(self) -> None:
        """Wait until the bot has finished with everything sent so far."""
        for _ in range(3):
            await self.fake.quiet(0.2)
            await self.client.handler.drain()


@asynccontextmanager
async def endpoints() -> AsyncIterator[None]:
    """Restore discord.py's class-level URLs after a test changed them."""
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


@asynccontextmanager
async def running_bot(
    fake: FakeDiscord, database_url: str, library: Library, *, sync_on_start: bool = True, **extra: object
) -> AsyncIterator[Running]:
    settings = discord_settings(fake, database_url, **extra)
    db = Database(settings.database_url)
    await upgrade(db)
    clock = ManualClock()
    ctx = ServiceContext(db=db, library=library, clock=clock, settings=settings, rng=random.Random(7))
    bot = build_bot(ctx)
    async with endpoints():
        apply_endpoints(settings)
        client = build_client(bot, settings, sync_on_start=sync_on_start)
        try:
            async with client:
                runner = asyncio.create_task(client.start(TOKEN))
                # Not wait_until_ready: discord.py waits guild_ready_timeout (2 s) for more
                # guilds after the last GUILD_CREATE, while events are already handled.
                guild_id = int(fake.guild_id)
                ready = asyncio.create_task(fake.until(lambda: client.get_guild(guild_id), timeout=30))
                done, _ = await asyncio.wait({runner, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
                ready.cancel()
                if runner in done:
                    runner.result()  # raise what stopped the client
                assert ready in done, "the client never received its guild"
                try:
                    yield Running(fake, client, bot, clock)
                finally:
                    await client.close()
                    await asyncio.wait({runner}, timeout=10)
        finally:
            await db.dispose()
