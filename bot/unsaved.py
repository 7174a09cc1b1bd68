"""A member's message the core could not store: how it failed, and what the member is told.

:meth:`bot.router.Prepbot.handle` raises :class:`NotHandled` for a message event
whose handler failed, after giving the delivery's claim back. The adapter then
decides, by what its platform offers: Slack's Events API sends a delivery again
when it gets no 2xx, so a *transient* failure (the database busy, locked or
away) of a reply in one of the bot's threads is answered so that Slack retries
it, and the retry stores it once; a permanent failure, the last retry, or a
platform that never re-sends (Discord's gateway) tells the member with
:func:`notice` — privately where the platform can, and never quoting what they
wrote. Only replies in a thread the bot started (a prompt's) get either: other
chat is acknowledged and nobody is told, each adapter checking whose thread it is.
"""

from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from bot.events import MessageDeleted, MessageEdited, MessagePosted
from bot.render import OutboundMessage

NOT_SAVED = (
    "Sorry, prepbot could not save the reply you just posted in the prompt's thread, "
    "so it is not part of your answer. Please post it again."
)
EDIT_NOT_SAVED = (
    "Sorry, prepbot could not save the edit you just made to your reply in the prompt's thread, "
    "so your answer still has the earlier text. Please edit the reply again."
)
# PostgreSQL SQLSTATEs that a later attempt can get past: the connection (08), a
# serialization failure or deadlock (40), resources (53), a cancelled statement
# or a server going down (57), a lock not granted within lock_timeout (55P03).
TRANSIENT_SQLSTATE_CLASSES = ("08", "40", "53", "57")
LOCK_NOT_AVAILABLE = "55P03"
# SQLite result codes (and their extended forms) of a database that is busy, locked or unreadable now.
SQLITE_TRANSIENT = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_IOERR",
    "SQLITE_CANTOPEN",
    "SQLITE_FULL",
    "SQLITE_PROTOCOL",
)


class NotHandled(Exception):
    """A member's message could not be stored: the adapter must not mark its delivery handled.

    Raised by :meth:`bot.router.Prepbot.handle` for messages only (already logged,
    by ids); the core has released the message's claim, so a platform that
    retries (Slack's Events API) gets the chance to store it. ``transient`` is
    True when the database was busy, locked or unreachable: a retry may succeed.
    """

    def __init__(self, kind: str, *, transient: bool = False) -> None:
        super().__init__(kind)
        self.kind = kind
        self.transient = transient


def transient(exc: BaseException) -> bool:
    """Whether ``exc`` is the database being busy, locked or away (not a bug, not bad data)."""
    sqlite_error = getattr(getattr(exc, "orig", None), "sqlite_errorname", None)
    if isinstance(sqlite_error, str):
        # SQLite calls a missing table "operational" too: only its codes tell a lock from a bug.
        return sqlite_error.startswith(SQLITE_TRANSIENT)
    if isinstance(exc, OperationalError | InterfaceError | SATimeoutError | OSError):
        return True  # a refused or dropped connection, a pool with no connection to give
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        code = str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")
        return code == LOCK_NOT_AVAILABLE or code[:2] in TRANSIENT_SQLSTATE_CLASSES
    return False


class Counts(Protocol):
    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None: ...


def not_told(
    metrics: Counts,
    logger: logging.Logger,
    exc: BaseException,
    what: str,
    *ids: object,
    traceback: bool = True,
) -> None:
    """A best-effort step after a member's words were stored failed: counted, and logged by ids.

    Raising instead would have the member told their words were not saved. An outage
    stays one line; anything else (a bug) gets its traceback, which holds no words,
    unless ``traceback=False`` (the step had the member's words in hand).
    """
    metrics.inc("prepbot_errors_total", kind=type(exc).__name__)
    logger.warning(what + " (%s)", *ids, type(exc).__name__, exc_info=traceback and not transient(exc))


def in_thread(event: MessagePosted | MessageEdited | MessageDeleted) -> bool:
    """A reply in a thread: the only kind of message that can be an answer to a prompt."""
    message = event.message
    return message.thread_id is not None and message.thread_id != message.id


def notice(event: MessagePosted | MessageEdited | MessageDeleted) -> OutboundMessage | None:
    """What to tell the author of a thread reply that was not saved; None when nothing is owed.

    A top-level message is never an answer (a typed challenge answer is only worth
    something while its round is open, long gone by Slack's last retry), and a
    deletion has no author to tell on every platform.
    """
    if not in_thread(event):
        return None
    if isinstance(event, MessagePosted):
        return OutboundMessage(text=NOT_SAVED)
    if isinstance(event, MessageEdited):
        return OutboundMessage(text=EDIT_NOT_SAVED)
    return None


__all__ = ("EDIT_NOT_SAVED", "NOT_SAVED", "NotHandled", "in_thread", "not_told", "notice", "transient")
