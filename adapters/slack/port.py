"""SlackPort: the core's ChatPort over Slack's Web API (what it reads about channels: channels.py).

Rate limits are waited out inside the client (:mod:`adapters.slack.webclient`);
failures a person must fix become :class:`bot.ports.Undeliverable`
(:mod:`adapters.slack.reach`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import SlackMessage, escape, render
from adapters.slack.channels import METADATA_EVENT, SlackChannels
from adapters.slack.pacer import for_team
from adapters.slack.reach import MEMBER_ERRORS, Reach, error_code, translated
from adapters.slack.webclient import make_client
from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.ports import Undeliverable
from bot.render import OutboundMessage

log = logging.getLogger(__name__)

__all__ = ["EPHEMERAL_FALLBACK_ERRORS", "METADATA_EVENT", "Invocation", "SlackPort", "make_client"]

# Errors after which an ephemeral message can still reach the member through
# the command's response_url (it works where the bot is not a channel member).
EPHEMERAL_FALLBACK_ERRORS = {"channel_not_found", "not_in_channel", "user_not_in_channel", "is_archived"}
# A cached DM channel id Slack answers with one of these is stale: open the DM again.
STALE_DM_ERRORS = {"channel_not_found", "not_in_channel"}
COMMENT_CHARS = 3000  # a file's initial comment is a message: stay well inside Slack's limits
T = TypeVar("T")


@dataclass(frozen=True)
class Invocation:
    """What one request lets the bot do beyond the Web API: its ``response_url``.

    ``member_id`` is who may be answered through it; ``ephemeral_ts`` is the
    ephemeral message a click came from (only the response_url can replace it).
    """

    response_url: str | None = None
    member_id: str | None = None
    ephemeral_ts: str | None = None


class SlackPort(SlackChannels):
    """ChatPort on Slack: posts and thread replies with chat.postMessage, whispers as ephemerals.

    One instance serves the whole process; :meth:`for_request` gives a copy that
    also knows the current request's ``response_url`` and shares :class:`Reach`
    (DM channel ids, channels known to be joined). Failures a person must fix
    (the bot not in a channel, an archived channel, a deactivated member) raise
    :class:`bot.ports.Undeliverable`; see :mod:`adapters.slack.reach`.
    """

    def __init__(
        self, client: AsyncWebClient, invocation: Invocation | None = None, reach: Reach | None = None
    ) -> None:
        self.client = client
        self.invocation = invocation or Invocation()
        self.reach = reach or Reach()

    def for_request(self, invocation: Invocation) -> SlackPort:
        return SlackPort(self.client, invocation, self.reach)

    async def _send(
        self, channel: str, part: SlackMessage, thread_ts: str | None = None, key: str | None = None
    ) -> str:
        extra: dict[str, Any] = {}
        if key:
            extra["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
        response = await self.client.chat_postMessage(
            channel=channel,
            text=part.text,
            blocks=part.blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **extra,
        )
        return str(response["ts"])

    async def post(self, channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        """A top-level message; when it needs several Slack messages, the first is the reference."""
        parts = render(message)
        with self._channel_errors(channel):
            first = await self._send(channel.id, parts[0], key=message.key)
            for part in parts[1:]:
                await self._send(channel.id, part)
        return MessageRef(channel=channel, id=first)

    async def reply_in_thread(self, parent: MessageRef, message: OutboundMessage) -> MessageRef:
        """A reply in ``parent``'s thread (Slack threads need no opening)."""
        root = parent.thread_root
        first = ""
        with self._channel_errors(parent.channel):
            for part in render(message):
                ts = await self._send(parent.channel.id, part, thread_ts=root)
                first = first or ts
        return MessageRef(channel=parent.channel, id=first, thread_id=root)

    async def whisper(self, channel: ChannelRef, member: MemberRef, message: OutboundMessage) -> None:
        """An ephemeral message in the channel.

        When Slack cannot show one there (the bot is not in the channel, or the
        member left it), the answer goes through the command's response_url, or
        else as a direct message: private either way, never lost.
        """
        for part in render(message):
            try:
                with for_team(channel.space.id):
                    await self.client.chat_postEphemeral(
                        channel=channel.id, user=member.id, text=part.text, blocks=part.blocks
                    )
            except SlackApiError as exc:
                if error_code(exc) not in EPHEMERAL_FALLBACK_ERRORS:
                    raise
                if self._can_respond(member.id):
                    await self._respond(part, replace_original=False)
                else:
                    await self._to_member(member, partial(self._send, part=part))

    async def edit(self, ref: MessageRef, message: OutboundMessage) -> None:
        """Replace a message's content (an ephemeral one through the click's response_url)."""
        part = render(message)[0]
        if ref.id == self.invocation.ephemeral_ts and self.invocation.response_url:
            await self._respond(part, replace_original=True)
            return
        with self._channel_errors(ref.channel):
            await self.client.chat_update(
                channel=ref.channel.id, ts=ref.id, text=part.text, blocks=part.blocks
            )

    async def open_thread(self, parent: MessageRef, name: str) -> MessageRef:
        """Slack threads exist as soon as someone replies: the thread is named by its root."""
        return replace(parent, thread_id=parent.thread_root)

    async def direct(self, member: MemberRef, message: OutboundMessage) -> MessageRef:
        """A DM that stays: ``conversations.open`` (cached per member) then ``chat.postMessage``.

        Raises Undeliverable ``member_gone`` (user_not_found, user_disabled,
        account_inactive) or ``dm_closed`` (cannot_dm_bot, messages_tab_disabled,
        user_not_visible, or a DM conversation Slack will not let the bot into).
        """
        parts = render(message)
        channel, first = await self._to_member(member, lambda dm: self._send(dm, parts[0], key=message.key))
        for part in parts[1:]:
            with for_team(member.space.id), translated(MEMBER_ERRORS, member.id):
                await self._send(channel, part)
        return MessageRef(channel=ChannelRef(member.space, channel), id=first)

    async def send_file(
        self, member: MemberRef, filename: str, content: bytes, summary: OutboundMessage
    ) -> None:
        """``files_upload_v2`` into the member's DM, the summary as the file's initial comment."""
        comment = escape(summary.as_text())
        if len(comment) > COMMENT_CHARS:
            comment = comment[: COMMENT_CHARS - 1] + "…"

        async def upload(dm: str) -> None:
            await self.client.files_upload_v2(
                channel=dm, filename=filename, content=content, title=filename, initial_comment=comment
            )

        await self._to_member(member, upload)

    async def post_file(
        self, channel: ChannelRef, filename: str, content: bytes, message: OutboundMessage
    ) -> MessageRef:
        """``files_upload_v2`` into the channel, the message as the file's initial comment.

        The reference is the file's share in the channel when Slack reports it, else the file id.
        """
        comment = escape(message.as_text())
        if len(comment) > COMMENT_CHARS:
            comment = comment[: COMMENT_CHARS - 1] + "…"
        with self._channel_errors(channel):
            response = await self.client.files_upload_v2(
                channel=channel.id,
                filename=filename,
                content=content,
                title=filename,
                initial_comment=comment,
            )
        file = response.get("file") or {}
        shares = (file.get("shares") or {}).get("public") or (file.get("shares") or {}).get("private") or {}
        share = (shares.get(channel.id) or [{}])[0]
        return MessageRef(channel=channel, id=str(share.get("ts") or file.get("id") or ""))

    async def _to_member(self, member: MemberRef, send: Callable[[str], Awaitable[T]]) -> tuple[str, T]:
        """Run ``send`` with the member's DM channel id, Slack's member errors as Undeliverable.

        A cached DM id Slack no longer accepts is forgotten and opened afresh, once.
        """
        with for_team(member.space.id):
            return await self._to_member_in_team(member, send)

    async def _to_member_in_team(
        self, member: MemberRef, send: Callable[[str], Awaitable[T]]
    ) -> tuple[str, T]:
        key = (member.space.id, member.id)
        cached = key in self.reach.dms
        dm = await self._open_dm(member)
        try:
            with translated(MEMBER_ERRORS, member.id):
                return dm, await send(dm)
        except Undeliverable as exc:
            if not cached or exc.detail not in STALE_DM_ERRORS:
                raise
        self.reach.dms.pop(key, None)
        dm = await self._open_dm(member)
        with translated(MEMBER_ERRORS, member.id):
            return dm, await send(dm)

    async def _open_dm(self, member: MemberRef) -> str:
        key = (member.space.id, member.id)
        known = self.reach.dms.get(key)
        if known is not None:
            return known
        with translated(MEMBER_ERRORS, member.id):
            opened = await self.client.conversations_open(users=member.id)
        dm = str(opened["channel"]["id"])
        self.reach.dms[key] = dm
        return dm

    def _can_respond(self, member_id: str) -> bool:
        return bool(self.invocation.response_url) and self.invocation.member_id == member_id

    async def _respond(self, part: SlackMessage, *, replace_original: bool) -> None:
        assert self.invocation.response_url is not None
        hook = AsyncWebhookClient(self.invocation.response_url, timeout=15)
        response = await hook.send_dict(
            {
                "response_type": "ephemeral",
                "replace_original": replace_original,
                "text": part.text,
                "blocks": part.blocks,
            }
        )
        if response.status_code >= 400:
            log.warning("response_url answered %s: %s", response.status_code, response.body[:200])
