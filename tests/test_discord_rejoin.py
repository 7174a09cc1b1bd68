"""A Discord server that added the bot back while prepbot was down is resumed when it connects.

Joins are ``on_guild_join`` only while connected; a server removed earlier and added back
during a restart arrives among READY's guilds instead. Left marked removed, its schedules
would stay stopped and its data would be purged after the window, with the bot in the server.
"""

from __future__ import annotations

import datetime as dt

from bot.content import Library
from bot.domain import SpaceRef
from bot.store import lifecycle
from bot.store.engine import Database
from bot.store.migrate import upgrade
from tests.support.discord_harness import running_bot
from tests.support.fake_discord import FakeDiscord
from tests.test_lifecycle import _eventually, _is_removed


async def test_a_server_that_added_the_bot_back_while_down_is_resumed(
    fake: FakeDiscord, database_url: str, library: Library
) -> None:
    guild = SpaceRef("discord", fake.guild_id)
    db = Database(database_url)
    try:
        await upgrade(db)
        async with db.unit() as session:
            await lifecycle.mark_removed(session, ref=guild, at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    finally:
        await db.dispose()
    async with running_bot(fake, database_url, library) as app:
        await app.client.wait_until_ready()
        await _eventually(lambda: _is_removed(app.bot.ctx.db, guild, False))
