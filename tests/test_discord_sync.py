"""Command registration: compare before writing; `discord sync` writes on demand; one /prep per server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest

from adapters.discord.server import sync_commands
from adapters.discord.sync import canonical, remove_guild_copies
from bot.content import Library
from tests.support.discord_harness import Running, discord_settings, endpoints, running_bot
from tests.support.discord_payloads import snowflake
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


# --- one /prep per server ------------------------------------------------------
async def until_checked(app: Running) -> None:
    """Wait for the guild check that follows READY (discord.py waits 2 s for more guilds first)."""
    await app.fake.until(lambda: app.client.copies_cleanup is not None, timeout=15)
    assert app.client.copies_cleanup is not None
    await asyncio.wait_for(asyncio.shield(app.client.copies_cleanup), 15)


async def test_serve_removes_the_development_copy_so_prep_shows_once(
    fake: FakeDiscord, database_url: str, library: Library
) -> None:
    settings = discord_settings(fake, database_url)
    async with endpoints():
        assert await sync_commands(settings, guild_id=fake.guild_id) == 0
    assert fake.shown() == ["prep"] and fake.commands == []  # the development copy only
    async with running_bot(fake, database_url, library) as app:
        await until_checked(app)
        assert fake.shown() == ["prep"]  # the global one; the guild copy is gone
        assert fake.commands[0]["name"] == "prep" and fake.guild_commands[fake.guild_id] == []
        assert len(fake.command_deletes) == 1 and fake.command_writes == [fake.guild_id, "global"]


async def test_a_member_using_a_guild_copy_gets_it_removed(
    fake: FakeDiscord, database_url: str, library: Library
) -> None:
    settings = discord_settings(fake, database_url)
    async with running_bot(fake, database_url, library) as app:
        await until_checked(app)
        assert fake.command_deletes == []  # nothing to remove at start
        assert await sync_commands(settings, guild_id=fake.guild_id) == 0  # someone syncs a dev copy
        assert fake.shown() == ["prep", "prep"]  # what members would see: two /prep
        command = fake.command("alice", "help", guild_copy=True)
        assert command["data"]["guild_id"] == fake.guild_id
        await app.send("INTERACTION_CREATE", command)
        assert "/prep quiz" in str(await fake.until(lambda: fake.whispers("alice")))  # still answered
        await fake.until(lambda: fake.shown() == ["prep"])
        assert fake.commands and fake.guild_commands[fake.guild_id] == []


async def test_removing_guild_copies_is_bounded_owners_and_small_servers_first(
    fake: FakeDiscord, database_url: str, library: Library
) -> None:
    settings = discord_settings(fake, database_url)
    owner = int(fake.people["dana"].id)
    big, small, owned, locked = (str(snowflake()) for _ in range(4))
    guilds = [
        SimpleNamespace(id=int(big), owner_id=1, member_count=5000),
        SimpleNamespace(id=int(small), owner_id=1, member_count=3),
        SimpleNamespace(id=int(owned), owner_id=owner, member_count=900),
        SimpleNamespace(id=int(locked), owner_id=owner, member_count=2),
    ]
    async with running_bot(fake, database_url, library, sync_on_start=False) as app:
        for guild_id in (big, small, owned, locked):
            assert await sync_commands(settings, guild_id=guild_id) == 0
        fake.commands_forbidden.add(locked)  # the bot lost access there: logged, the rest go on
        removed = await remove_guild_copies(app.client.tree, guilds, owners={owner}, limit=3)  # type: ignore[arg-type]
    assert removed == [int(owned), int(small)]
    assert fake.shown(big) == ["prep"]  # past the bound: left for the member-use rule
    assert fake.shown(owned) == fake.shown(small) == []


async def test_discord_sync_clear_removes_the_guild_copy(
    fake: FakeDiscord, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = discord_settings(fake, database_url)
    async with endpoints():
        assert await sync_commands(settings) == 0
        assert await sync_commands(settings, guild_id=fake.guild_id) == 0
        out = capsys.readouterr().out
        assert fake.shown() == ["prep", "prep"]
        assert f"discord sync --clear --guild {fake.guild_id}" in out  # the warning says how to fix it
        assert await sync_commands(settings, guild_id=fake.guild_id, clear=True) == 0
    assert fake.shown() == ["prep"] and fake.guild_commands[fake.guild_id] == []
    assert f"removed 1 command(s) from guild {fake.guild_id}" in capsys.readouterr().out


async def test_discord_sync_clear_needs_a_guild(
    fake: FakeDiscord, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = discord_settings(fake, database_url)
    async with endpoints():
        assert await sync_commands(settings, clear=True) == 2
    assert fake.command_writes == [] and "--guild" in capsys.readouterr().err
