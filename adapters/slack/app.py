"""Bolt listeners: Slack requests → core events, acked within Slack's 3 seconds.

Every listener acks in a bounded time and never raises. Slow work (posting,
users.info) runs in a task of its own after the ack, because a listener that
raises after ``ack()`` can make bolt answer with an error and Slack retry.
Clicks and thread replies are given a short head start before the ack, so
that a vote or an answer (one fast insert) is normally stored before Slack
hears "OK"; the ack never waits longer than :data:`RECORD_BUDGET_S`. A command's
work waits instead for the acks of requests still in flight (:mod:`adapters.slack.lane`).

Retries: commands and clicks carry the same delivery id on every retry, and
events their ``event_id`` (a message's ``delivery_id``); the core claims each id
once, before any work, so a retry (even one racing the first attempt, or reaching
another replica) does nothing twice. A message the core could not store gives its
claim back and gets no 2xx, so Slack's retry stores it; when Slack will not send
it again, its author is told (:mod:`adapters.slack.messages`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.admins import MemberDirectory
from adapters.slack.blocks import home_view
from adapters.slack.capture import CapturePort
from adapters.slack.described import context_of
from adapters.slack.forms import CALLBACK_ID, open_modal, submission
from adapters.slack.identity import BotIdentity
from adapters.slack.lane import Lane
from adapters.slack.lifecycle import lifecycle_listeners
from adapters.slack.messages import RECORD_BUDGET_S, Attempt, MessageEvents, retry_num
from adapters.slack.pacer import TEAM
from adapters.slack.port import Invocation, SlackPort
from adapters.slack.translate import (
    Click,
    click_events,
    command_event,
    mentioned_ids,
    space_of,
    split_command,
)
from bot.domain import ChannelRef
from bot.events import CommandInvoked, Event
from bot.router import Prepbot

if TYPE_CHECKING:
    from adapters.slack.oauth import SlackOAuth

log = logging.getLogger(__name__)

Ack = Callable[..., Awaitable[Any]]


def _token_skipped_filter(record: logging.LogRecord) -> bool:
    return "`token` will be unused" not in record.getMessage()


class SlackApp:
    """The Bolt app and everything it needs: the core, the port, the member directory."""

    def __init__(self, bot: Prepbot, client: AsyncWebClient, oauth: SlackOAuth | None = None) -> None:
        self.bot = bot
        self.client = client
        self.oauth = oauth
        self.port = SlackPort(client)
        self.directory = MemberDirectory(client)
        # With OAuth installs each workspace has its own bot: bolt's authorize knows it per request.
        self.me = BotIdentity(client, oauth=oauth is not None)
        self._tasks: set[asyncio.Task[None]] = set()
        self.lane = Lane()  # the HTTP route counts requests in it; commands' work waits there
        self.messages = MessageEvents(self)
        # Bolt's own client carries no token (ours does, with the patient rate-limit
        # handler); bolt's signature check is off because guard.py checks first.
        # Bolt reads SLACK_BOT_TOKEN from the environment itself and warns that the
        # authorize function wins over it, on every start: expected here, so not logged.
        logging.getLogger("slack_bolt.AsyncApp").addFilter(_token_skipped_filter)
        self.bolt = AsyncApp(
            client=AsyncWebClient(base_url=client.base_url),
            **(oauth.bolt_options() if oauth else {"authorize": self.me.authorizer(self.spawn)}),
            process_before_response=True,
            request_verification_enabled=False,
            name="prepbot",
        )
        self.bolt.command(re.compile(r"^/"))(self._on_command)
        self.bolt.action(re.compile(r".*"))(self._on_action)
        self.bolt.event("message")(self._on_message)
        self.bolt.event("app_mention")(self._on_mention)
        self.bolt.event("app_home_opened")(self._on_home)
        lifecycle_listeners(self.bolt, bot, oauth)  # app_uninstalled, tokens_revoked
        self.bolt.view(CALLBACK_ID)(self._on_form)  # before the catch-all below: the first match wins
        # Anything else subscribed or sent anyway is acked, so Slack does not retry it.
        self.bolt.event(re.compile(r".*"))(self._just_ack)
        for kind in ("shortcut", "view", "options"):
            getattr(self.bolt, kind)(re.compile(r".*"))(self._just_ack)
        self.bolt.error(_unreadable)

    # --- identity (adapters.slack.identity) -----------------------------------
    async def identity(self) -> dict[str, Any]:
        """auth.test, once: the bot's own user and bot ids (to ignore its own posts)."""
        return await self.me.identity()

    async def check_token(self) -> None:
        """auth.test at start: raise :class:`TokenRejected` when Slack refuses the bot token."""
        await self.me.check_token()

    # --- background work ----------------------------------------------------
    def spawn(self, work: Awaitable[None], *, about: dict[str, Any] | None = None) -> asyncio.Task[None]:
        """Run ``work`` after the ack; log failures.

        ``about`` is the request the work came from: its team, channel and kind go
        into the log line, never its text.
        """

        async def guarded() -> None:
            if about is not None:  # this task's Web API calls are for (and use the token of) its workspace
                TEAM.set(space_of(about).id)
            try:
                await work
            except Exception:
                log.exception("Slack work failed after the ack (%s)", context_of(about or {}))

        task = asyncio.create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def idle(self) -> None:
        """Wait until no background work is left (tests, and a clean shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _ack_after(self, ack: Ack, task: asyncio.Task[None]) -> None:
        await asyncio.wait({task}, timeout=RECORD_BUDGET_S)
        await ack()

    async def _handle(self, event: Event, port: SlackPort) -> None:
        await self.bot.handle(event, port)

    # --- listeners ------------------------------------------------------------
    async def _just_ack(self, ack: Ack) -> None:
        await ack()

    async def _on_command(self, ack: Ack, body: dict[str, Any]) -> None:
        await ack()
        self.spawn(self._command(body), about=body)

    async def _command(self, body: dict[str, Any]) -> None:
        await self.lane.turn()
        space = space_of(body)
        member = await self.directory.member(space, str(body["user_id"]), str(body.get("user_name") or ""))
        # Members named in the command (`/prep organizers add @alex`): their names and
        # zones from the same cached users.info, so the core can store and show them.
        _, args = split_command(str(body.get("text") or ""))
        mentions = tuple([await self.directory.member(space, uid) for uid in mentioned_ids(args)[:5]])
        event = command_event(body, member, mentions)
        port = self.port.for_request(Invocation(body.get("response_url"), member.id))
        await self._handle(event, port)

    async def _on_action(self, ack: Ack, body: dict[str, Any]) -> None:
        if body.get("type") != "block_actions":
            await ack()
            return
        await self._ack_after(ack, self.spawn(self._actions(body), about=body))

    async def _actions(self, body: dict[str, Any]) -> None:
        space = space_of(body)
        user = body["user"]
        member = await self.directory.member(space, str(user["id"]), str(user.get("name") or ""))
        for click in click_events(body, member):
            if await self._open_form(body, click):
                continue
            message = click.event.message
            ephemeral_ts = message.id if click.ephemeral and message else None
            port = self.port.for_request(Invocation(body.get("response_url"), member.id, ephemeral_ts))
            await self._handle(click.event, port)

    async def _open_form(self, body: dict[str, Any], click: Click) -> bool:
        """Open the modal of a form button; False for a plain button (or a modal Slack refused)."""
        form = self.bot.text_input(click.event.action)
        return form is not None and await open_modal(self.client, form, click.event, str(body["trigger_id"]))

    async def _on_form(self, ack: Ack, body: dict[str, Any]) -> None:
        """A submitted form modal: an empty ack closes it; the core answers privately in the channel."""
        await self._ack_after(ack, self.spawn(self._form(body), about=body))

    async def _form(self, body: dict[str, Any]) -> None:
        space = space_of(body)
        found = submission(body, space)
        if found is None:
            return
        user = body["user"]
        member = await self.directory.member(space, str(user["id"]), str(user.get("name") or ""))
        await self._handle(found.event(member), self.port.for_request(Invocation(None, member.id)))

    async def _on_message(
        self, ack: Ack, body: dict[str, Any], request: AsyncBoltRequest, context: AsyncBoltContext
    ) -> BoltResponse | None:
        attempt = Attempt(retry_num(request.headers), context.bot_user_id)
        return await self.messages.deliver(ack, body, attempt)

    async def _on_mention(self, ack: Ack, body: dict[str, Any]) -> None:
        await self._on_event(ack, body, self._mention)

    async def _on_home(self, ack: Ack, body: dict[str, Any]) -> None:
        await self._on_event(ack, body, self._home)

    async def _on_event(
        self, ack: Ack, body: dict[str, Any], run: Callable[[dict[str, Any]], Awaitable[None]]
    ) -> None:
        """A command-like event (a mention, the Home tab): the core claims it by ``event_id``."""
        await self._ack_after(ack, self.spawn(run(body), about=body))

    async def _mention(self, body: dict[str, Any]) -> None:
        event = body["event"]
        if not event.get("user") or event.get("bot_id"):
            return
        space = space_of(body)
        member = await self.directory.member(space, str(event["user"]))
        channel = ChannelRef(space, str(event.get("channel") or ""))
        command = CommandInvoked(f"mention:{body['event_id']}", channel, member, "help")
        await self._handle(command, self.port)

    async def _home(self, body: dict[str, Any]) -> None:
        """The Home tab: the member's stats when the core has them, else the help."""
        event = body["event"]
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        space = space_of(body)
        member = await self.directory.member(space, str(event["user"]))
        name = "stats" if "stats" in self.bot.commands else "help"
        channel = ChannelRef(space, str(event.get("channel") or member.id))
        capture = CapturePort()
        await self.bot.handle(CommandInvoked(f"home:{body['event_id']}", channel, member, name), capture)
        if capture.messages:  # nothing: the core dropped a retry of this event, already published
            await self.client.views_publish(user_id=member.id, view=home_view(capture.messages))


async def _unreadable(error: Exception, body: dict[str, Any]) -> BoltResponse:
    """Bolt's error handler: an exception while bolt reads a request before the ack.

    Our listeners ack first and never raise, so anything that reaches here is
    bolt failing on a payload's shape: the sender's fault, answered 400 and
    logged once without a traceback (Slack itself never sends such a payload).
    """
    log.warning(
        "Slack request bolt could not read (%s, %s); answered 400",
        context_of(body if isinstance(body, dict) else {}),
        type(error).__name__,
    )
    return BoltResponse(status=400, body="malformed Slack payload\n")
