"""The routing table: which feature's handler serves a command, a button or a form.

Built once from the features' tables (``bot.features.FEATURES``), refusing an unknown
command and anything served twice. For an inbound interaction it finds the handler,
decodes the button's value (``bot.buttons``) and puts organizer-only commands behind
their check; what it cannot serve it refuses with a :class:`UserError` the router
tells the member, before any handler runs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.buttons import BadButton
from bot.commands import BY_NAME
from bot.events import ButtonPressed, CommandInvoked, TextSubmitted
from bot.feature import ButtonRoute, Feature, FormRoute
from bot.metrics import Metrics
from bot.render import TextInput
from bot.services.context import UserError
from bot.services.permissions import admin_refusal, can_organize, organizer_refusal
from bot.turn import CommandHandler, MessageHandler, TickHandler, Turn

# The router's logger: these lines were the router's before the table had its own module.
log = logging.getLogger("bot.router")

INACTIVE_BUTTON = "That button is no longer active. Run the command again."

Run = Callable[[], Awaitable[None]]


class Routes:
    """Every feature's commands, buttons, forms, message handlers and ticks, in the features' order."""

    def __init__(self) -> None:
        self.commands: dict[str, CommandHandler] = {}
        self.buttons: dict[str, ButtonRoute[Any]] = {}
        self.forms: dict[str, FormRoute[Any]] = {}
        self.messages: list[MessageHandler] = []
        self.ticks: list[TickHandler] = []

    def add(self, feature: Feature) -> None:
        """Take in one feature's table, refusing unknown commands and anything served twice."""
        for name, handler in feature.commands.items():
            if name not in BY_NAME:
                raise ValueError(f"{feature.name}: unknown command {name!r}: add it to bot.commands first")
            if name in self.commands:
                raise ValueError(f"{feature.name}: command {name!r} is served by another feature")
            self.commands[name] = handler
        actions = [r.codec.ACTION for r in feature.buttons] + [r.codec.ACTION for r in feature.forms]
        for action in actions:
            if action in self.buttons or action in self.forms or actions.count(action) > 1:
                raise ValueError(f"{feature.name}: button {action!r} is handled twice")
        self.buttons.update((route.codec.ACTION, route) for route in feature.buttons)
        self.forms.update((route.codec.ACTION, route) for route in feature.forms)
        self.messages.extend(feature.messages)
        self.ticks.extend(feature.ticks)

    def replace_command(self, name: str, handler: CommandHandler) -> None:
        """Serve a known command with ``handler`` instead (tests stand a recorder in its place)."""
        if name not in BY_NAME:
            raise ValueError(f"unknown command {name!r}: add it to bot.commands first")
        self.commands[name] = handler

    def text_input(self, action: str) -> TextInput | None:
        """The form a button with ``action`` opens, or None for a plain button."""
        found = self.forms.get(action)
        return found.spec if found else None

    def command(self, event: CommandInvoked, turn: Turn, metrics: Metrics) -> tuple[Run, str]:
        """The command's handler bound to ``turn``, and its kind for the logs."""
        name = event.name.lower().strip() or "help"
        spec = BY_NAME.get(name)
        if spec is None:
            raise UserError(f"I don't know `/prep {event.name}`. Try `/prep help` for the list.")
        if spec.admin and not event.member.is_admin:
            raise UserError(admin_refusal(event.member, name))
        handler = self.commands.get(name)
        if handler is None:
            raise UserError(f"`/prep {name}` is not available in this version of prepbot yet.")
        metrics.inc("prepbot_commands_total", command=name)
        if spec.organizer:
            handler = _for_organizers(name, handler)
        return (lambda: handler(turn, event.args)), f"command/{name}"

    def button(self, event: ButtonPressed, turn: Turn) -> tuple[Run, str]:
        """The click's handler with the decoded value bound, and its kind for the logs."""
        route = self.buttons.get(event.action)
        form = self.forms.get(event.action)
        codec = route.codec if route else form.codec if form else None
        if codec is None:
            raise UserError(INACTIVE_BUTTON)
        value = _decode(codec, event.value)
        kind = f"button/{event.action}"
        if route is not None:
            return (lambda: route.handler(turn, value, event.message)), kind
        assert form is not None
        # A platform that could not show the form (a modal that failed to open)
        # still gets the action done, with nothing typed.
        return (lambda: form.handler(turn, value, "", event.message)), kind

    def submitted(self, event: TextSubmitted, turn: Turn) -> tuple[Run, str]:
        """The form's handler with the decoded value and the typed text bound, and its kind."""
        form = self.forms.get(event.action)
        if form is None:
            raise UserError("That form is no longer active. Run the command again.")
        value = _decode(form.codec, event.value)
        return (lambda: form.handler(turn, value, event.text, event.message)), f"form/{event.action}"


def _decode(codec: Any, value: str) -> Any:
    try:
        return codec.decode(value)
    except BadButton as exc:
        log.info("a button value did not decode (%s)", exc)
        raise UserError(INACTIVE_BUTTON) from None


def _for_organizers(name: str, handler: CommandHandler) -> CommandHandler:
    """``handler`` behind the organizer check (a database read, so it runs inside the claimed turn)."""

    async def guarded(turn: Turn, args: tuple[str, ...]) -> None:
        if not await can_organize(turn.ctx, turn.member, turn.channel):
            raise UserError(organizer_refusal(turn.member, name))
        await handler(turn, args)

    return guarded
