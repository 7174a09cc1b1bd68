"""Command registration: compare what Discord holds before writing; `discord sync` writes on demand."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.discord.server import sync_commands
from adapters.discord.sync import canonical
from bot.content import Library
from tests.support.discord_harness import discord_settings, endpoints, running_bot
from tests.support.fake_discord import FakeDiscord


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'prepbot.db'}"


def options(command: dict) -> dict[str, list[str]]:
    return {sub["name"]: [o["name"] for o in sub.get("options", [])] for sub in command["options"]}


async def test_serve_registers_prep_once_and_then_only_compares(
    fake: FakeDiscord, database_url: str, library: Library
) -> None:
    async with running_bot(fake, database_url, library):
        pass
    assert fake.command_writes == ["global"]
    (prep,) = fake.commands
    assert prep["name"] == "prep" and prep["contexts"] == [0]  # servers only
    subs = options(prep)
    assert list(subs)[:5] == ["help", "quiz", "challenge", "review", "leaderboard"]
    assert subs["quiz"] == ["topic"] and subs["challenge"] == ["topic", "rounds"]
    assert subs["leaderboard"] == ["period"] and subs["schedule"] == ["time", "timezone", "weekdays"]
    quiz = next(s for s in prep["options"] if s["name"] == "quiz")
    assert quiz["options"][0]["autocomplete"] is True

    async with running_bot(fake, database_url, library):
        pass
    assert fake.command_writes == ["global"]  # Discord already held the same commands
    assert fake.requests.count(("GET", f"/api/v10/applications/{fake.app_id}/commands")) == 2


async def test_serve_rewrites_when_discords_copy_differs(
    fake: FakeDiscord, database_url: str, library: Library
) -> None:
    async with running_bot(fake, database_url, library):
        pass
    fake.commands[0]["options"] = fake.commands[0]["options"][:-1]  # an older version, say
    async with running_bot(fake, database_url, library):
        pass
    assert fake.command_writes == ["global", "global"]
    assert "export" in options(fake.commands[0])


async def test_discord_sync_registers_on_one_guild_explicitly(
    fake: FakeDiscord, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = discord_settings(fake, database_url)
    async with endpoints():
        assert await sync_commands(settings, guild_id=fake.guild_id) == 0
        assert await sync_commands(settings, guild_id=fake.guild_id) == 0
    assert fake.command_writes == [fake.guild_id, fake.guild_id]  # explicit: always writes
    assert fake.commands == [] and fake.guild_commands[fake.guild_id][0]["name"] == "prep"
    assert f"registered /prep on guild {fake.guild_id}" in capsys.readouterr().out


async def test_discord_sync_refuses_a_bad_guild_id(fake: FakeDiscord, database_url: str) -> None:
    settings = discord_settings(fake, database_url)
    async with endpoints():
        assert await sync_commands(settings, guild_id="my-server") == 2
    assert fake.command_writes == []


def test_canonical_ignores_what_discord_adds_and_defaults_it_drops() -> None:
    local = {
        "name": "prep",
        "description": "d",
        "type": 1,
        "nsfw": False,
        "dm_permission": False,
        "default_member_permissions": None,
        "integration_types": [0],
        "options": [{"name": "help", "type": 1, "description": "h", "options": [], "required": False}],
    }
    remote = {
        "id": "1",
        "application_id": "2",
        "version": "3",
        "name": "prep",
        "description": "d",
        "name_localizations": None,
        "options": [{"name": "help", "type": 1, "description": "h"}],
    }
    assert canonical(local) == canonical(remote)
    assert canonical(local) != canonical({**remote, "description": "changed"})
