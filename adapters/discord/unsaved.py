"""A member's reply in a prompt's thread that the core could not store: its author is told there.

Discord's gateway sends a MESSAGE_CREATE (or an edit) once and never again, so
there is no retry to leave it for. The bot replies to the member's message, in
its thread, with a short note to post it again (:func:`bot.unsaved.notice`):
the reply points at their message without quoting it and pings nobody. Only a
prompt's thread (the only kind whose replies are answers) gets the note: one the
bot started, or one a member opened on the bot's post when the bot could not
(the core finds a prompt by its post's id, which the thread shares). In any
other thread a reply is chat, and with the database down the bot would otherwise
talk in every thread it can read. Logs name the message by its id only.
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
    if not await bots_thread(client, message.channel, int(event.message.thread_id)):
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


async def bots_thread(client: discord.Client, channel: object, thread_id: int) -> bool:
    """Whether the thread is a prompt's on Discord: the bot started it, or it was opened on the bot's post.

    A thread opened on a message has that message's id, and the message (its
    starter) stays in the parent channel. The thread is the message's ``channel``
    or in the cache when the bot saw it created, and the bot's own posts are in
    discord.py's message cache; otherwise one REST call each. A thread or starter
    that cannot be read is not the bot's to talk in.
    """
    me = client.user
    given = isinstance(channel, discord.Thread) and channel.id == thread_id
    thread = channel if given else client.get_channel(thread_id)
    try:
        if not isinstance(thread, discord.Thread):
            thread = await client.fetch_channel(thread_id)
        if me is None or not isinstance(thread, discord.Thread):
            return False
        if thread.owner_id == me.id:
            return True
        starter = thread.starter_message or await client.get_partial_messageable(
            thread.parent_id
        ).fetch_message(thread_id)
    except discord.HTTPException as exc:
        # Also a thread started without a message (404): a member's, not a prompt's.
        log.warning("could not read thread %s to tell an author (HTTP %s)", thread_id, exc.status)
        return False
    return starter.author.id == me.id
