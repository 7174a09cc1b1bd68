"""/prep on Discord: the real discord.py client against the fake Discord, on SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.content import Library
from tests.support.discord_harness import Running, running_bot
from tests.support.fake_discord import FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def app(fake: FakeDiscord, tmp_path: Path, library: Library) -> AsyncIterator[Running]:
    async with running_bot(fake, f"sqlite+aiosqlite:///{tmp_path / 'prepbot.db'}", library) as running:
        yield running


def text_of(message: dict) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts.append(embed.get("description") or "")
        parts.extend(f"{f['name']}\n{f['value']}" for f in embed.get("fields", []))
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


async def test_help_is_an_ephemeral_answer_to_the_interaction(app: Running) -> None:
    fake = app.fake
    interaction = fake.command("alice", "help")
    await app.send("INTERACTION_CREATE", interaction)
    whispers = await fake.until(lambda: fake.whispers("alice"))
    record = fake.interactions[interaction["id"]]
    assert record.callbacks == [{"type": 5, "data": {"flags": 64}}]  # deferred, ephemeral
    assert "/prep quiz" in text_of(whispers[0]) and "/prep schedule" in text_of(whispers[0])
    assert fake.posts() == [] and fake.whispers("bob") == []


async def test_the_intents_include_message_content(app: Running) -> None:
    message_content = 1 << 15
    assert all(shard.intents & message_content for shard in app.fake.shards)
