"""SlackPort: the core's ChatPort over Slack's Web API.

Rate limits are waited out inside the client: Slack answers 429 with
``Retry-After`` and slack_sdk's stock handler retries only once, so a fan-out
to many channels would lose posts. :class:`PatientRateLimitHandler` retries
until the message goes through. A 429 means Slack did not post, so retrying
never posts twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import SlackMessage, render
from adapters.slack.pacer import Pacer
from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.render import OutboundMessage

log = logging.getLogger(__name__)

# Errors after which an ephemeral message can still reach the member through
# the command's response_url (it works where the bot is not a channel member).
EPHEMERAL_FALLBACK_ERRORS = {"channel_not_found", "not_in_channel", "user_not_in_channel", "is_archived"}
MAX_WAIT_S = 120.0
# Posts that must exist once carry their key in Slack message metadata, so a
# retry after a crash can find the copy that did go out (conversations.history).
METADATA_EVENT = "prepbot_post"
RECALL_LIMIT = 200


class PatientRateLimitHandler(AsyncRetryHandler):
    """Retry a 429 after its ``Retry-After`` (plus a little jitter), as many times as it takes."""

    def __init__(self, max_retry_count: int = 10_000, pacer: Pacer | None = None) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.pacer = pacer or Pacer()

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        wait = 1.0
        if response is not None:
            for name, values in response.headers.items():
                if name.lower() == "retry-after" and values:
                    try:
                        wait = float(values[0])
                    except ValueError:
                        wait = 1.0
        wait = min(max(wait, 0.0), MAX_WAIT_S)
        if request.url.endswith("chat.postMessage"):
            # Posts queue behind the workspace's pacer instead of retrying as a herd.
            self.pacer.limited(wait)
            await self.pacer.wait()
        else:
            await asyncio.sleep(wait + random.uniform(0.05, 0.5))
        state.next_attempt_requested = True
        state.increment_current_attempt()


def make_client(token: str | None, base_url: str) -> AsyncWebClient:
    """The Web API client for ``base_url`` (``SLACK_API_URL``) that waits out rate limits."""
    if not base_url.endswith("/"):
        base_url += "/"
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=30,
        retry_handlers=[AsyncConnectionErrorRetryHandler(), PatientRateLimitHandler(pacer=Pacer())],
    )


@dataclass(frozen=True)
class Invocation:
    """What one request lets the bot do beyond the Web API: its ``response_url``.

    ``member_id`` is who may be answered through it; ``ephemeral_ts`` is the
    ephemeral message a click came from (only the response_url can replace it).
    """

    response_url: str | None = None
    member_id: str | None = None
    ephemeral_ts: str | None = None


class SlackPort:
    """ChatPort on Slack: posts and thread replies with chat.postMessage, whispers as ephemerals.

    One instance serves the whole process; :meth:`for_request` gives a copy that
    also knows the current request's ``response_url``.
    """

    def __init__(self, client: AsyncWebClient, invocation: Invocation | None = None) -> None:
        self.client = client
        self.invocation = invocation or Invocation()

    def for_request(self, invocation: Invocation) -> SlackPort:
        return SlackPort(self.client, invocation)

    async def _send(
        self, channel: str, part: SlackMessage, thread_ts: str | None = None, key: str | None = None
    ) -> str:
        extra: dict[str, Any] = {}
        if key:
            extra["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
        pacer = self._pacer()
        if pacer is not None:
            await pacer.wait()
        response = await self.client.chat_postMessage(
            channel=channel,
            text=part.text,
            blocks=part.blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            **extra,
        )
        if pacer is not None:
            pacer.succeeded()
        return str(response["ts"])

    def _pacer(self) -> Pacer | None:
        """The pacer of this client's rate-limit handler (none for a client made elsewhere)."""
        for handler in self.client.retry_handlers or []:
            if isinstance(handler, PatientRateLimitHandler):
                return handler.pacer
        return None

    async def post(self, channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        """A top-level message; when it needs several Slack messages, the first is the reference."""
        parts = render(message)
        first = await self._send(channel.id, parts[0], key=message.key)
        for part in parts[1:]:
            await self._send(channel.id, part)
        return MessageRef(channel=channel, id=first)

    async def find_posted(self, channel: ChannelRef, key: str) -> MessageRef | None:
        """The bot's recent post carrying ``key`` in its metadata (``conversations.history``)."""
        response = await self.client.conversations_history(
            channel=channel.id, limit=RECALL_LIMIT, include_all_metadata=True
        )
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("key") == key
            ):
                return MessageRef(channel=channel, id=str(message["ts"]))
        return None

    async def reply_in_thread(self, parent: MessageRef, message: OutboundMessage) -> MessageRef:
        """A reply in ``parent``'s thread (Slack threads need no opening)."""
        root = parent.thread_root
        first = ""
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
                await self.client.chat_postEphemeral(
                    channel=channel.id, user=member.id, text=part.text, blocks=part.blocks
                )
            except SlackApiError as exc:
                if str(exc.response.get("error", "")) not in EPHEMERAL_FALLBACK_ERRORS:
                    raise
                if self._can_respond(member.id):
                    await self._respond(part, replace_original=False)
                else:
                    opened = await self.client.conversations_open(users=member.id)
                    await self._send(str(opened["channel"]["id"]), part)

    async def edit(self, ref: MessageRef, message: OutboundMessage) -> None:
        """Replace a message's content (an ephemeral one through the click's response_url)."""
        part = render(message)[0]
        if ref.id == self.invocation.ephemeral_ts and self.invocation.response_url:
            await self._respond(part, replace_original=True)
            return
        await self.client.chat_update(channel=ref.channel.id, ts=ref.id, text=part.text, blocks=part.blocks)

    async def open_thread(self, parent: MessageRef, name: str) -> MessageRef:
        """Slack threads exist as soon as someone replies: the thread is named by its root."""
        return replace(parent, thread_id=parent.thread_root)

    async def direct(self, member: MemberRef, message: OutboundMessage) -> MessageRef:
        raise NotImplementedError("direct messages: issue 13")

    async def send_file(
        self, member: MemberRef, filename: str, content: bytes, summary: OutboundMessage
    ) -> None:
        raise NotImplementedError("private files: issue 13")

    async def ensure_in_channel(self, channel: ChannelRef) -> None:
        raise NotImplementedError("channel membership: issue 13")

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


class CapturePort:
    """ChatPort that sends nothing and keeps every message in :attr:`messages`.

    The App Home tab is not a channel: the core answers ``stats`` (or ``help``)
    as usual into this port, and the adapter publishes it with ``views.publish``.
    """

    def __init__(self) -> None:
        self.messages: list[OutboundMessage] = []

    def _keep(self, channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        self.messages.append(message)
        return MessageRef(channel=channel, id=f"home-{len(self.messages)}")

    async def post(self, channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        return self._keep(channel, message)

    async def reply_in_thread(self, parent: MessageRef, message: OutboundMessage) -> MessageRef:
        return replace(self._keep(parent.channel, message), thread_id=parent.thread_root)

    async def whisper(self, channel: ChannelRef, member: MemberRef, message: OutboundMessage) -> None:
        self._keep(channel, message)

    async def edit(self, ref: MessageRef, message: OutboundMessage) -> None:
        self._keep(ref.channel, message)

    async def open_thread(self, parent: MessageRef, name: str) -> MessageRef:
        return replace(parent, thread_id=parent.thread_root)

    async def direct(self, member: MemberRef, message: OutboundMessage) -> MessageRef:
        return self._keep(ChannelRef(member.space, member.id), message)

    async def send_file(
        self, member: MemberRef, filename: str, content: bytes, summary: OutboundMessage
    ) -> None:
        self._keep(ChannelRef(member.space, member.id), summary)

    async def ensure_in_channel(self, channel: ChannelRef) -> None:
        return None
