"""The core's front door: every inbound event is claimed once, then routed to the feature that serves it.

:class:`Prepbot` is built from the features' tables (``bot.features.FEATURES``) and
owns what is common to all of them: claiming each delivery once (``bot.claims``,
under ``bot.events.delivery_key``: ``cmd:``/``btn:``/``form:``/``msg:`` + the
platform's delivery id), finding the handler in the routing table (``bot.routes``:
button values decoded, non-admins refused politely), and turning any failure into a
private message instead of a traceback.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from bot.claims import AlreadyHandled, Claim, ClaimingDatabase, ClaimingPort
from bot.content import Library
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    SpaceChanged,
    TextSubmitted,
    delivery_key,
)
from bot.feature import Feature
from bot.logs import log_context
from bot.metrics import Metrics
from bot.ports import ChatPort
from bot.render import OutboundMessage, TextInput
from bot.routes import Routes
from bot.services import lifecycle
from bot.services.context import ServiceContext, UserError
from bot.turn import CommandHandler, Turn
from bot.unsaved import NotHandled as NotHandled  # adapters catch it from here
from bot.unsaved import transient

log = logging.getLogger(__name__)


GENERIC_FAILURE = (
    "Sorry, something went wrong on prepbot's side, so this did not go through. Please try again."
)
# A failure after the action's first unit of work committed: some of it is saved, so
# "did not go through" would be untrue, and repeating a toggle (a vote, `/prep pair`)
# would undo what was saved.
PARTLY_SAVED = (
    "Sorry, something went wrong on prepbot's side after part of this was saved. "
    "Check the result before trying again."
)
DATABASE_DOWN = (
    "prepbot can't reach its database right now, so this was not recorded. Please try again in a minute."
)
# What a database that is away looks like from here: the driver's errors, a pool
# that cannot hand out a connection, or a refused socket while connecting.
DATABASE_ERRORS = (DBAPIError, SATimeoutError, OSError)


class Prepbot:
    """The core as adapters see it: ``handle(event, port)``, ``tick(port)`` and ``text_input(action)``."""

    def __init__(self, ctx: ServiceContext, features: Sequence[Feature] = ()) -> None:
        self.ctx = ctx
        self._routes = Routes()
        # Space row ids seen committed: spaces are never deleted or renumbered.
        self._space_ids: dict[tuple[str, str], int] = {}
        for feature in features:
            self._routes.add(feature)

    def command(self, name: str, handler: CommandHandler) -> None:
        """Serve a known command with ``handler`` instead (tests stand a recorder in its place)."""
        self._routes.replace_command(name, handler)

    def text_input(self, action: str) -> TextInput | None:
        """The form a button with ``action`` opens, or None for a plain button.

        Adapters ask this on every click: a form is the click's first answer
        (a modal), so it cannot wait for the core.
        """
        return self._routes.text_input(action)

    @property
    def commands(self) -> list[str]:
        return list(self._routes.commands)

    async def handle(self, event: Event, port: ChatPort) -> None:
        """Handle one event once; never raises for a member's mistake or a handler's failure.

        Every log line written while it runs carries the event's space, channel and delivery.
        The exception: a message (a thread answer) that failed to store raises
        :class:`NotHandled` after giving its claim back, so the adapter leaves it for
        the platform's retry.
        """
        message = isinstance(event, MessagePosted | MessageEdited | MessageDeleted)
        channel = event.message.channel if message else event.channel  # type: ignore[union-attr]
        key = delivery_key(event)
        with log_context(space=channel.space.id, channel=channel.id, delivery=key or ""):
            space = (channel.space.platform, channel.space.id)
            claim = Claim(
                self.ctx.db,
                key,
                channel.space,
                self.ctx.clock.now(),
                known=self._space_ids.get(space),
                remember=lambda row: self._space_ids.__setitem__(space, row),
            )
            if isinstance(event, MessagePosted | MessageEdited | MessageDeleted):
                await self._message(event, port, claim)
            else:
                await self._interaction(event, port, claim)

    async def space_changed(self, event: SpaceChanged) -> None:
        """The app was installed in or removed from a space (``bot.services.lifecycle``)."""
        await lifecycle.space_changed(self.ctx, event)

    async def tick(self, port: ChatPort) -> None:
        """Run whatever is due at the clock's current time (scheduled posts, timeouts)."""
        for handler in self._routes.ticks:
            try:
                await handler(self.ctx, port)
            except Exception:
                log.exception("scheduled work failed in %s", getattr(handler, "__qualname__", handler))

    def _claimed(self, claim: Claim) -> ServiceContext:
        """The context a claimed handler sees: its first unit of work records the claim."""
        return dataclasses.replace(self.ctx, db=ClaimingDatabase(self.ctx.db, claim))

    async def _message(
        self, event: MessagePosted | MessageEdited | MessageDeleted, port: ChatPort, claim: Claim
    ) -> None:
        ctx, claimed_port = self._claimed(claim), ClaimingPort(port, claim)
        for handler in self._routes.messages:
            try:
                if await handler(ctx, claimed_port, event):
                    # A handler that neither wrote nor sent still consumed it: record that,
                    # so the platform's retry is dropped like any other re-delivery.
                    await self._settle(claim)
                    break
            except AlreadyHandled:
                log.info("dropping re-delivered message event %s", claim.key)
                return
            except Exception as exc:
                channel = event.message.channel
                # Ids and the error's kind only: the traceback could quote what was written.
                log.error(
                    "message handler failed (team=%s channel=%s kind=%s error=%s)",
                    channel.space.id,
                    channel.id,
                    type(event).__name__,
                    type(exc).__name__,
                )
                self.ctx.metrics.inc("prepbot_errors_total", kind=type(exc).__name__)
                await self._release(claim)
                raise NotHandled(type(event).__name__, transient=transient(exc)) from None

    async def _interaction(
        self, event: CommandInvoked | ButtonPressed | TextSubmitted, port: ChatPort, claim: Claim
    ) -> None:
        turn = Turn(
            self._claimed(claim),
            ClaimingPort(port, claim),  # type: ignore[arg-type]
            event.channel,
            event.member,
            event.delivery_id,
        )
        try:
            if isinstance(event, CommandInvoked):
                turn.thread_id, turn.mentions = event.thread_id, event.mentions
                run, kind = self._routes.command(event, turn, self.ctx.metrics)
            elif isinstance(event, ButtonPressed):
                run, kind = self._routes.button(event, turn)
            else:
                run, kind = self._routes.submitted(event, turn)
        except UserError as exc:
            # Refused before any handler ran (unknown, not allowed, stale): nothing to claim.
            await self._tell(port, turn, str(exc))
            return
        await self._run(turn, port, claim, run, kind=kind)

    async def _run(
        self, turn: Turn, port: ChatPort, claim: Claim, run: Callable[[], Awaitable[None]], *, kind: str
    ) -> None:
        """Run an action under its claim: committed with its first unit, given back if it fails later."""
        try:
            await run()
            await self._settle(claim)
        except AlreadyHandled:
            log.info("dropping re-delivered action %s", claim.key)
        except UserError as exc:
            await self._refuse(turn, port, claim, str(exc))
        except Exception as exc:
            # A refused connection before anything was claimed is the database too.
            database = isinstance(exc, DBAPIError | SATimeoutError) or (
                isinstance(exc, OSError) and not claim.taken
            )
            # Ids only: what the member typed never reaches the log.
            log.exception(
                "handler failed (team=%s channel=%s kind=%s delivery=%s)",
                turn.channel.space.id,
                turn.channel.id,
                kind,
                claim.key,
            )
            self.ctx.metrics.inc("prepbot_errors_total", kind="database" if database else "internal")
            if claim.taken:
                # The claim committed with the handler's first writes (or before a reply): the
                # delivery stays claimed, so a retry of it cannot do the saved part twice.
                await self._tell(port, turn, PARTLY_SAVED)
                return
            await self._tell(port, turn, DATABASE_DOWN if database else GENERIC_FAILURE)

    async def _settle(self, claim: Claim) -> None:
        """Record a handled delivery's claim if its handler never did (no write, no send): one insert."""
        if claim.taken or claim.held:
            return
        try:
            await claim.settle()
        except AlreadyHandled:
            log.info("delivery %s was handled twice at once; its effects are keyed", claim.key)
        except DATABASE_ERRORS:
            log.warning("could not record delivery %s; the database is away", claim.key)

    async def _refuse(self, turn: Turn, port: ChatPort, claim: Claim, text: str) -> None:
        """Tell the member what to fix, once: a re-delivery of the same refusal says nothing."""
        try:
            await claim.settle()
        except AlreadyHandled:
            log.info("dropping re-delivered action %s", claim.key)
            return
        except DATABASE_ERRORS:
            log.warning("database unavailable while claiming %s", claim.key, exc_info=True)
            self.ctx.metrics.inc("prepbot_errors_total", kind="database")
            await self._tell(port, turn, DATABASE_DOWN)
            return
        await self._tell(port, turn, text)

    async def _tell(self, port: ChatPort, turn: Turn, text: str) -> None:
        """Whisper straight through the platform (not the claiming port: no claim is taken for it)."""
        try:
            await port.whisper(turn.channel, turn.member, OutboundMessage(text=text))
        except Exception:
            log.exception("could not tell the member about the failure")

    async def _release(self, claim: Claim) -> None:
        """Forget a committed claim so the platform's retry (or the member) can try again."""
        try:
            await claim.release()
        except DATABASE_ERRORS:
            log.warning("could not release delivery %s; the database is away", claim.key)

    # --- front door for the host and the connectors (they never reach into ``ctx``) ---
    @property
    def metrics(self) -> Metrics:
        """The process's metrics registry: connectors count acks, 429s and refusals in it."""
        return self.ctx.metrics

    @property
    def library(self) -> Library:
        """The loaded content packs: what a platform's command catalog (autocomplete) offers."""
        return self.ctx.library

    async def healthy(self) -> bool:
        """True when the database answers: what ``/healthz`` reports."""
        return await self.ctx.db.ping()
