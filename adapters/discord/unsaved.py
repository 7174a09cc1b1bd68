"""A member's reply in a prompt's thread that the core could not store: its author is told there.

Discord's gateway sends a MESSAGE_CREATE (or an edit) once and never again, so
there is no retry to leave it for. The bot replies to the member's message, in
its thread, with a short note to post it again (:func:`bot.unsaved.notice`):
the reply points at their message without quoting it and pings nobody. Only a
thread the bot started (a prompt's: the only kind whose replies are answers) gets
the note; in a thread a member started, a reply is chat, and with the database
down the bot would otherwise talk in every thread it can read. Logs name the
message by its id only.
"""

from __future__ import annotations

import logging

import discord

from bot.events import MessageDeleted, MessageEdited, MessagePosted
from bot.unsaved import notice

log = logging.getLogger(__name__)


async def tell_unsaved(
    client: discord.Client,
    message: discord.Message | discord.PartialMessage,
    event: MessagePosted | MessageEdited | MessageDeleted,
) -> None:
    """Reply to ``message`` that it was not saved, when it was a reply in the bot's thread (an answer)."""
    said = notice(event)
    if said is None or event.message.thread_id is None:
        return
    if not await bots_thread(client, int(event.message.thread_id)):
        return
    try:
        await message.reply(
            content=said.text, mention_author=False, allowed_mentions=discord.AllowedMentions.none()
        )
    except discord.HTTPException as exc:
        # The member may have deleted it meanwhile, or the thread closed: nothing more to do.
        log.warning(
            "could not tell the author of message %s it was not saved (HTTP %s)", message.id, exc.status
        )


async def bots_thread(client: discord.Client, thread_id: int) -> bool:
    """Whether the thread was started by the bot (its ``owner_id``): the Discord side of a prompt's thread.

    From the cache when the bot saw the thread created (THREAD_CREATE), else one
    REST call; a thread that cannot be read is not the bot's to talk in.
    """
    me = client.user
    thread = client.get_channel(thread_id)
    if not isinstance(thread, discord.Thread):
        try:
            thread = await client.fetch_channel(thread_id)
        except discord.HTTPException as exc:
            log.warning("could not read thread %s to tell an author (HTTP %s)", thread_id, exc.status)
            return False
    return isinstance(thread, discord.Thread) and me is not None and thread.owner_id == me.id
