"""A member's thread reply that the core could not store: its author is told where they wrote it.

Discord's gateway sends a MESSAGE_CREATE (or an edit) once and never again, so
there is no retry to leave it for. The bot replies to the member's message, in
its thread, with a short note to post it again (:func:`bot.unsaved.notice`):
the reply points at their message without quoting it and pings nobody. Logs
name the message by its id only.
"""

from __future__ import annotations

import logging

import discord

from bot.events import MessageDeleted, MessageEdited, MessagePosted
from bot.unsaved import notice

log = logging.getLogger(__name__)


async def tell_unsaved(
    message: discord.Message | discord.PartialMessage, event: MessagePosted | MessageEdited | MessageDeleted
) -> None:
    """Reply to ``message`` that it was not saved, when it was a thread reply (an answer's part)."""
    said = notice(event)
    if said is None:
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
