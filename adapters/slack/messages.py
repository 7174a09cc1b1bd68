"""Slack ``message`` events: a thread answer is stored before the ack, and never lost silently.

The work starts at once and the ack waits for it up to ``RECORD_BUDGET_S`` (one
fast insert). When the core could not store the message (:class:`NotHandled`)
before the ack went out, the answer depends on why and on which delivery this is
(``X-Slack-Retry-Num``, also set by bolt in Socket Mode):

- the database was busy, locked or away, the message is a reply in one of the
  bot's threads (a prompt's: the only kind that can be an answer) and Slack will
  send it again (retry 0-2): no 2xx (HTTP :data:`RETRY_STATUS`; in Socket Mode,
  no ack), so Slack retries the delivery. The core gave the claim back, so the
  retry stores it, once.
- any other message (chat at the top of a channel, a reply in a member's thread)
  is acknowledged with a 2xx even so: during an outage every chat message fails,
  and Slack turns off an app's event subscriptions when most deliveries fail.
- a permanent failure, Slack's last retry, or a failure after the 2xx already
  went out (Slack will not send it again): the author of a reply in one of the
  bot's threads is told privately that it was not saved and to post it again
  (:func:`bot.unsaved.notice`), without their words.

Log lines name the event by its id and kind, never by what was written.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_bolt.response import BoltResponse

from adapters.slack.translate import message_author, message_event, space_of
from bot.events import MessageDeleted, MessageEdited, MessagePosted
from bot.unsaved import NotHandled, in_thread, notice

if TYPE_CHECKING:
    from adapters.slack.app import SlackApp

log = logging.getLogger(__name__)

RECORD_BUDGET_S = 1.5  # the longest an ack waits for the work it acknowledges
RETRY_STATUS = 503  # "not stored yet": any non-2xx makes Slack send the delivery again
LAST_RETRY = 3  # Slack sends a failed delivery at most three more times (X-Slack-Retry-Num 1-3)
Ack = Callable[..., Awaitable[Any]]
Member = MessagePosted | MessageEdited | MessageDeleted
# Where Slack puts the message an event is about, by subtype: the event itself for any other.
_MESSAGE_OF = {"message_changed": "message", "message_deleted": "previous_message"}


def retry_num(headers: Mapping[str, str | Sequence[str]]) -> int:
    """``X-Slack-Retry-Num`` of a request (bolt keeps headers lower-cased, values as lists); 0 if absent."""
    value = headers.get("x-slack-retry-num")
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    try:
        return int(str(value)) if value is not None else 0
    except ValueError:
        return 0


@dataclass
class Attempt:
    """One delivery of a message event, as its ack and its work both see it.

    The event loop runs one of them at a time, so whichever looks first decides:
    the work asks for a retry only while ``acked`` is False, and the ack is sent
    only while ``retry`` (asked) is False.
    """

    number: int  # X-Slack-Retry-Num: 0 for the first delivery
    bot_user: str | None  # the bot's user in this workspace, when bolt knows it
    acked: bool = False
    retry: bool = False

    @property
    def last(self) -> bool:
        return self.number >= LAST_RETRY


class MessageEvents:
    """The ``message`` listener's two halves: the ack, and the work that stores the message."""

    def __init__(self, app: SlackApp) -> None:
        self.app = app

    async def deliver(self, ack: Ack, body: dict[str, Any], attempt: Attempt) -> BoltResponse | None:
        """Ack once the message is stored (or the budget is spent); no 2xx when Slack should retry."""
        task = self.app.spawn(self._work(body, attempt), about=body)
        await asyncio.wait({task}, timeout=RECORD_BUDGET_S)
        if attempt.retry:
            return BoltResponse(status=RETRY_STATUS, body="not stored yet; please send it again\n")
        attempt.acked = True
        await ack()
        return None

    async def _work(self, body: dict[str, Any], attempt: Attempt) -> None:
        event = await self._translate(body)
        if event is None:
            return
        try:
            await self.app.bot.handle(event, self.app.port)
        except NotHandled as exc:
            event_id = body.get("event_id")
            if exc.transient and not attempt.acked and not attempt.last and _answer(body, event, attempt):
                attempt.retry = True
                log.warning("event %s (%s) not stored; Slack is asked to send it again", event_id, exc.kind)
                return
            log.warning(
                "event %s (%s) not stored on delivery %d%s; Slack will not send it again",
                event_id,
                exc.kind,
                attempt.number,
                " after the ack" if attempt.acked else "",
            )
            await self._tell(body, event, attempt)

    async def _translate(self, body: dict[str, Any]) -> Member | None:
        event = body["event"]
        space = space_of(body)
        author = message_author(event)
        me = await self.app.identity()
        if author is not None and author == me.get("user_id"):
            return None
        member = await self.app.directory.member(space, author) if author else None
        return message_event(event, space, member, str(body.get("event_id") or ""))

    async def _tell(self, body: dict[str, Any], event: Member, attempt: Attempt) -> None:
        """Tell the author privately that their reply in one of the bot's threads was not saved."""
        said = notice(event)
        if said is None or isinstance(event, MessageDeleted) or not _in_bots_thread(body, attempt):
            return
        try:
            await self.app.port.whisper(event.message.channel, event.member, said)
            log.info("told the author of event %s to post it again", body.get("event_id"))
        except Exception as exc:  # noqa: BLE001 - logged by kind: the error could carry the channel's text
            log.error(
                "could not tell the author of event %s it was not saved (%s)",
                body.get("event_id"),
                type(exc).__name__,
            )


def _answer(body: dict[str, Any], event: Member, attempt: Attempt) -> bool:
    """Whether the message could be part of an answer: worth a retry from Slack."""
    return in_thread(event) and _in_bots_thread(body, attempt)


def _in_bots_thread(body: dict[str, Any], attempt: Attempt) -> bool:
    """A reply in a thread the bot started (a prompt's), or one whose parent Slack did not name."""
    event = body["event"]
    # An edit or a deletion carries the message (its thread_ts, parent_user_id) in a sub-object.
    inner = _MESSAGE_OF.get(event.get("subtype"))
    message = event.get(inner) if inner else event
    parent = (message or {}).get("parent_user_id")
    return parent is None or attempt.bot_user is None or parent == attempt.bot_user
