"""The ChatPort on Discord: channel posts, threads, edits and DMs over REST.

The per-interaction wrapper for private replies is ``adapters/discord/interaction.py``.

Discord answers a send that will keep failing with a JSON error code; those
become :class:`bot.ports.Undeliverable` (see :mod:`adapters.discord.reach`),
while 429s and 5xx answers are retried.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import secrets
from collections.abc import Sequence
from typing import Any, Literal

import discord

from adapters.discord.embeds import Page, render
from adapters.discord.ratelimits import waited
from adapters.discord.reach import CHANNEL_ERRORS, MEMBER_ERRORS, missing_permissions, translated
from bot.domain import ChannelRef, MemberRef, MessageRef, SpaceRef
from bot.ports import Undeliverable
from bot.render import OutboundMessage

log = logging.getLogger(__name__)

THREAD_EXISTS = 160004  # "A thread has already been created for this message"
ALREADY_ACKNOWLEDGED = 40060
RETRY_FOR = 600.0  # seconds a post keeps retrying through 429s and outages before giving up
THREAD_ARCHIVE_MINUTES: Literal[1440] = 1440  # a day: the voting window stays readable


def keyed_nonce(key: str | None, page: int) -> int | None:
    """A nonce derived from a post's idempotency key, the same in every process.

    Discord answers a repeated nonce (with ``enforce_nonce``) with the first message
    for a few minutes, so a retry after a crash between sending and recording
    finds the copy that went out instead of posting a second one.
    """
    if not key:
        return None
    digest = hashlib.sha256(f"{key}#{page}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


class DiscordPort:
    """Posts, threads, edits and DMs through the bot's REST session.

    discord.py waits out each 429 itself (per bucket, honouring ``retry_after``) and
    retries a request up to five times. A fan-out can exhaust that, so ``_send``
    keeps retrying 429s and 5xx answers with the *same nonce*: Discord's
    ``enforce_nonce`` returns the first message for a repeated nonce, so a retry
    after an answer lost on the wire never posts twice.
    """

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self._dms: dict[str, str] = {}  # member id -> DM channel id (Discord keeps one per user)

    def _channel(self, channel_id: str, space: SpaceRef | None = None) -> discord.PartialMessageable:
        guild_id = int(space.id) if space is not None and space.id.isdigit() else None
        return self.client.get_partial_messageable(int(channel_id), guild_id=guild_id)

    async def _send(
        self,
        channel_id: str,
        page: Page,
        space: SpaceRef | None,
        nonce: int | None = None,
        attachment: tuple[str, bytes] | None = None,
    ) -> discord.Message:
        channel = self._channel(channel_id, space)
        nonce = nonce if nonce is not None else secrets.randbits(63)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RETRY_FOR
        delay = 0.5
        while True:
            extra: dict[str, Any] = {}
            if attachment is not None:  # a fresh File per attempt: a sent one has been read
                extra["file"] = discord.File(io.BytesIO(attachment[1]), filename=attachment[0])
            try:
                return await channel.send(  # type: ignore[no-any-return]
                    **page.kwargs(), nonce=nonce, allowed_mentions=discord.AllowedMentions.none(), **extra
                )
            except discord.HTTPException as exc:
                retryable = exc.status == 429 or exc.status >= 500
                if not retryable or loop.time() + delay > deadline:
                    raise
                log.warning("Discord answered %s to a post; retrying in %.1fs", exc.status, delay)
                metrics = getattr(self.client, "metrics", None)  # a PrepClient's; None on a bare client
                if exc.status == 429 and metrics is not None:
                    waited(metrics, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _send_all(
        self, channel_id: str, message: OutboundMessage, space: SpaceRef | None = None
    ) -> discord.Message:
        first: discord.Message | None = None
        for number, page in enumerate(render(message)):
            sent = await self._send(channel_id, page, space, keyed_nonce(message.key, number))
            first = first or sent
        assert first is not None
        return first

    async def post(self, channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        """Post to the channel; returns the first message when the content needed several."""
        with translated(CHANNEL_ERRORS, channel.id):
            sent = await self._send_all(channel.id, message, channel.space)
        return MessageRef(channel=channel, id=str(sent.id))

    async def reply_in_thread(self, parent: MessageRef, message: OutboundMessage) -> MessageRef:
        """Post in the thread opened on ``parent`` (a thread's id is its starter message's id)."""
        thread_id = parent.thread_root
        with translated(CHANNEL_ERRORS, parent.channel.id):
            try:
                sent = await self._send_all(thread_id, message, parent.channel.space)
            except discord.NotFound:
                await self.open_thread(MessageRef(parent.channel, thread_id), "Discussion")
                sent = await self._send_all(thread_id, message, parent.channel.space)
        return MessageRef(channel=parent.channel, id=str(sent.id), thread_id=thread_id)

    async def whisper(self, channel: ChannelRef, member: MemberRef, message: OutboundMessage) -> None:
        """Outside an interaction the only private place is a direct message."""
        await self.direct(member, message)

    async def edit(self, ref: MessageRef, message: OutboundMessage) -> None:
        """Edit a message the bot posted in a channel or a thread (only the first page is kept)."""
        in_thread = ref.thread_id is not None and ref.thread_id != ref.id
        target = ref.thread_id if in_thread and ref.thread_id else ref.channel.id
        channel = self._channel(target, ref.channel.space)
        page = render(message)[0]
        with translated(CHANNEL_ERRORS, ref.channel.id):
            await channel.get_partial_message(int(ref.id)).edit(**page.kwargs())

    async def open_thread(self, parent: MessageRef, name: str) -> MessageRef:
        """Open the thread on ``parent``; one already there (ours or a member's) is the same thread."""
        channel = self._channel(parent.channel.id, parent.channel.space)
        message = channel.get_partial_message(int(parent.id))
        try:
            with translated(CHANNEL_ERRORS, parent.channel.id):
                await message.create_thread(name=name[:100], auto_archive_duration=THREAD_ARCHIVE_MINUTES)
        except discord.HTTPException as exc:
            if exc.code != THREAD_EXISTS:
                raise
        return MessageRef(channel=parent.channel, id=parent.id, thread_id=parent.id)

    async def direct(self, member: MemberRef, message: OutboundMessage) -> MessageRef:
        """A DM: ``POST /users/@me/channels`` (cached per member), then the usual retrying send.

        Raises Undeliverable ``dm_closed`` (50007: the member's privacy settings, a
        blocked bot, or no server shared any more) or ``member_gone`` (10013).
        """
        dm = await self._dm(member)
        with translated(MEMBER_ERRORS, member.id):
            sent = await self._send_all(dm, message)
        return MessageRef(channel=ChannelRef(member.space, dm), id=str(sent.id))

    async def send_file(
        self, member: MemberRef, filename: str, content: bytes, summary: OutboundMessage
    ) -> None:
        """A DM with the file attached to the summary's first message (its other pages follow)."""
        dm = await self._dm(member)
        pages = render(summary)
        with translated(MEMBER_ERRORS, member.id):
            await self._send(dm, pages[0], None, attachment=(filename, content))
            for page in pages[1:]:
                await self._send(dm, page, None)

    async def post_file(
        self, channel: ChannelRef, filename: str, content: bytes, message: OutboundMessage
    ) -> MessageRef:
        """The message with the file attached to its first page (its other pages follow)."""
        pages = render(message)
        with translated(CHANNEL_ERRORS, channel.id):
            sent = await self._send(channel.id, pages[0], channel.space, attachment=(filename, content))
            for page in pages[1:]:
                await self._send(channel.id, page, channel.space)
        return MessageRef(channel=channel, id=str(sent.id))

    async def ensure_in_channel(self, channel: ChannelRef) -> None:
        """Bots are not "in" Discord channels: check the bot can see the channel and post there.

        ``GET /channels/{id}`` answers 50001 (no_access) or 10003
        (channel_not_found); then the bot's permissions, computed from the
        guild's roles and the channel's overwrites, must allow viewing, sending
        and threads (no_access, naming what is missing).
        """
        with translated(CHANNEL_ERRORS, channel.id):
            await self.client.http.get_channel(int(channel.id))
        missing = missing_permissions(self.client, channel)
        if missing:
            raise Undeliverable("no_access", target=channel.id, detail="missing " + ", ".join(missing))

    async def channels_of(self, member: MemberRef, among: Sequence[ChannelRef]) -> set[str] | None:
        """Which of ``among`` the member may read: Discord's permissions for them in each channel.

        The member comes from the cache or ``GET /guilds/{id}/members/{id}``; roles and each
        channel's overwrites decide (``permissions_for``). None when Discord cannot say.
        """
        guild = self.client.get_guild(int(member.space.id)) if member.space.id.isdigit() else None
        if guild is None or not member.id.isdigit():
            return None
        try:
            who = guild.get_member(int(member.id)) or await guild.fetch_member(int(member.id))
        except discord.NotFound:
            return set()  # no longer in the server: nothing there is theirs to read
        except discord.HTTPException:
            log.warning(
                "could not read member %s of guild %s; using where they took part", member.id, guild.id
            )
            return None
        visible: set[str] = set()
        for ref in among:
            channel = guild.get_channel_or_thread(int(ref.id)) if ref.id.isdigit() else None
            if channel is None:
                continue  # deleted or never seen: not shown
            perms = channel.permissions_for(who)
            if perms.view_channel and perms.read_message_history:
                visible.add(ref.id)
        return visible

    async def _dm(self, member: MemberRef) -> str:
        known = self._dms.get(member.id)
        if known is None:
            with translated(MEMBER_ERRORS, member.id):
                opened = await self.client.http.start_private_message(int(member.id))
            known = self._dms[member.id] = str(opened["id"])
        return known
