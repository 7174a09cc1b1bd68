"""Routes plain events to the features that handle them.

Features register handlers with :class:`Prepbot`; the router owns what is common
to all of them: dropping re-delivered actions, refusing non-admins politely, and
turning any failure into a private message instead of a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import delete
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import BY_NAME
from bot.content import Library
from bot.domain import SpaceRef
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    Event,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    TextSubmitted,
)
from bot.logs import log_context
from bot.metrics import Metrics
from bot.ports import ChatPort
from bot.render import TextInput
from bot.services.context import ServiceContext, UserError
from bot.services.permissions import admin_refusal, can_organize, organizer_refusal
from bot.store.models import Delivery
from bot.store.tenants import claim_delivery, ensure_space
from bot.turn import ButtonHandler, CommandHandler, FormHandler, MessageHandler, TickHandler, Turn

log = logging.getLogger(__name__)


GENERIC_FAILURE = (
    "Sorry, something went wrong on prepbot's side, so this did not go through. Please try again."
)
DATABASE_DOWN = (
    "prepbot can't reach its database right now, so this was not recorded. Please try again in a minute."
)
# What a database that is away looks like from here: the driver's errors, a pool
# that cannot hand out a connection, or a refused socket while connecting.
DATABASE_ERRORS = (DBAPIError, SATimeoutError, OSError)


class NotHandled(Exception):
    """A member's message could not be stored: the adapter must not mark its delivery handled.

    Raised by :meth:`Prepbot.handle` for messages only (already logged, by ids), so a
    platform that retries (Slack's Events API) gets the chance to store it.
    """


class Prepbot:
    """The core as adapters see it: ``handle(event, port)`` and ``tick(port)``."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx
        self._commands: dict[str, CommandHandler] = {}
        self._buttons: dict[str, ButtonHandler] = {}
        self._forms: dict[str, tuple[TextInput, FormHandler]] = {}
        self._messages: list[MessageHandler] = []
        self._ticks: list[TickHandler] = []
        self._space_ids: dict[tuple[str, str], int] = {}

    def command(self, name: str, handler: CommandHandler) -> None:
        if name not in BY_NAME:
            raise ValueError(f"unknown command {name!r}: add it to bot.commands first")
        self._commands[name] = handler

    def button(self, action: str, handler: ButtonHandler) -> None:
        self._buttons[action] = handler

    def form(self, action: str, spec: TextInput, handler: FormHandler) -> None:
        """Buttons with ``action`` open the form ``spec``; its submission runs ``handler``."""
        if action in self._buttons:
            raise ValueError(f"{action!r} is already a plain button")
        self._forms[action] = (spec, handler)

    def text_input(self, action: str) -> TextInput | None:
        """The form a button with ``action`` opens, or None for a plain button.

        Adapters ask this on every click: a form is the click's first answer
        (a modal), so it cannot wait for the core.
        """
        found = self._forms.get(action)
        return found[0] if found else None

    def on_message(self, handler: MessageHandler) -> None:
        """``handler`` returns True when it consumed the message."""
        self._messages.append(handler)

    def on_tick(self, handler: TickHandler) -> None:
        self._ticks.append(handler)

    @property
    def commands(self) -> list[str]:
        return list(self._commands)

    async def handle(self, event: Event, port: ChatPort) -> None:
        """Handle one event; never raises for a member's mistake or a handler's failure.

        Every log line written while it runs carries the event's space, channel and delivery.
        The exception: a message (a thread answer) that failed to store raises
        :class:`NotHandled`, so the adapter leaves it for the platform's retry.
        """
        if isinstance(event, CommandInvoked | ButtonPressed | TextSubmitted):
            channel, delivery = event.channel, event.delivery_id
        elif isinstance(event, MessagePosted | MessageEdited | MessageDeleted):
            channel, delivery = event.message.channel, f"message:{event.message.id}"
        else:
            await self._dispatch(event, port)
            return
        with log_context(space=channel.space.id, channel=channel.id, delivery=delivery):
            await self._dispatch(event, port)

    async def _dispatch(self, event: Event, port: ChatPort) -> None:
        if isinstance(event, CommandInvoked):
            await self._command(event, port)
        elif isinstance(event, ButtonPressed):
            await self._button(event, port)
        elif isinstance(event, TextSubmitted):
            await self._submitted(event, port)
        elif isinstance(event, MessagePosted | MessageEdited | MessageDeleted):
            for handler in self._messages:
                try:
                    if await handler(self.ctx, port, event):
                        break
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
                    raise NotHandled(type(event).__name__) from None

    async def tick(self, port: ChatPort) -> None:
        """Run whatever is due at the clock's current time (scheduled posts, timeouts)."""
        for handler in self._ticks:
            try:
                await handler(self.ctx, port)
            except Exception:
                log.exception("scheduled work failed in %s", getattr(handler, "__qualname__", handler))

    async def _command(self, event: CommandInvoked, port: ChatPort) -> None:
        turn = Turn(
            self.ctx, port, event.channel, event.member, event.delivery_id, event.thread_id, event.mentions
        )
        name = event.name.lower().strip() or "help"
        spec = BY_NAME.get(name)
        if spec is None:
            await turn.whisper(f"I don't know `/prep {event.name}`. Try `/prep help` for the list.")
            return
        if spec.admin and not event.member.is_admin:
            await turn.whisper(admin_refusal(event.member, name))
            return
        handler = self._commands.get(name)
        if handler is None:
            await turn.whisper(f"`/prep {name}` is not available in this version of prepbot yet.")
            return
        self.ctx.metrics.inc("prepbot_commands_total", command=name)
        if spec.organizer:
            handler = _for_organizers(name, handler)
        await self._run_once(
            turn, f"cmd:{event.delivery_id}", lambda: handler(turn, event.args), kind=f"command/{name}"
        )

    async def _button(self, event: ButtonPressed, port: ChatPort) -> None:
        turn = Turn(self.ctx, port, event.channel, event.member, event.delivery_id)
        handler = self._buttons.get(event.action)
        if handler is None and event.action in self._forms:
            # A platform that could not show the form (a modal that failed to open)
            # still gets the action done, with nothing typed.
            form = self._forms[event.action][1]
            await self._run_once(
                turn,
                f"btn:{event.delivery_id}",
                lambda: form(turn, event.value, "", event.message),
                kind=f"button/{event.action}",
            )
            return
        if handler is None:
            await turn.whisper("That button is no longer active. Run the command again.")
            return
        await self._run_once(
            turn,
            f"btn:{event.delivery_id}",
            lambda: handler(turn, event.value, event.message),
            kind=f"button/{event.action}",
        )

    async def _submitted(self, event: TextSubmitted, port: ChatPort) -> None:
        turn = Turn(self.ctx, port, event.channel, event.member, event.delivery_id)
        found = self._forms.get(event.action)
        if found is None:
            await turn.whisper("That form is no longer active. Run the command again.")
            return
        handler = found[1]
        await self._run_once(
            turn,
            f"form:{event.delivery_id}",
            lambda: handler(turn, event.value, event.text, event.message),
            kind=f"form/{event.action}",
        )

    async def _run_once(self, turn: Turn, key: str, run: Callable[[], Awaitable[None]], *, kind: str) -> None:
        """Run an action unless this delivery was already handled; release the claim on failure."""
        try:
            async with self.ctx.db.unit() as session:
                space_id = await self._space_id(session, turn.channel.space)
                first = await claim_delivery(session, space_id=space_id, key=key, at=self.ctx.clock.now())
        except DATABASE_ERRORS:
            log.warning("database unavailable while claiming %s", key, exc_info=True)
            self.ctx.metrics.inc("prepbot_errors_total", kind="database")
            await self._tell(turn, DATABASE_DOWN)
            return
        if not first:
            log.info("dropping re-delivered action %s", key)
            return
        try:
            await run()
        except UserError as exc:
            await turn.whisper(str(exc))
        except Exception as exc:
            database = isinstance(exc, DBAPIError | SATimeoutError)
            # Ids only: what the member typed never reaches the log.
            log.exception(
                "handler failed (team=%s channel=%s kind=%s delivery=%s)",
                turn.channel.space.id,
                turn.channel.id,
                kind,
                key,
            )
            self.ctx.metrics.inc("prepbot_errors_total", kind="database" if database else "internal")
            await self._release(space_id, key)
            await self._tell(turn, DATABASE_DOWN if database else GENERIC_FAILURE)

    async def _space_id(self, session: AsyncSession, ref: SpaceRef) -> int:
        """The space's row id; remembered, since spaces are never deleted or renumbered."""
        key = (ref.platform, ref.id)
        if key not in self._space_ids:
            space = await ensure_space(session, ref=ref)
            assert space.id is not None
            self._space_ids[key] = space.id
        return self._space_ids[key]

    async def _tell(self, turn: Turn, text: str) -> None:
        try:
            await turn.whisper(text)
        except Exception:
            log.exception("could not tell the member about the failure")

    async def _release(self, space_id: int, key: str) -> None:
        """Forget the delivery claim so the platform's retry (or the member) can try again."""
        try:
            async with self.ctx.db.unit() as session:
                await session.execute(
                    delete(Delivery).where(Delivery.space_id == space_id, Delivery.key == key)  # type: ignore[arg-type]
                )
        except DATABASE_ERRORS:
            log.warning("could not release delivery %s; the database is away", key)

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


def _for_organizers(name: str, handler: CommandHandler) -> CommandHandler:
    """``handler`` behind the organizer check (a database read, so it runs inside the claimed turn)."""

    async def guarded(turn: Turn, args: tuple[str, ...]) -> None:
        if not await can_organize(turn.ctx, turn.member, turn.channel):
            raise UserError(organizer_refusal(turn.member, name))
        await handler(turn, args)

    return guarded
