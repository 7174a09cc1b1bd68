"""What one feature serves, declared as a table the core reads (features never see the router).

Each service module ends with ``FEATURE = Feature(...)``: the ``/prep`` commands it
answers, the buttons (by their codec in ``bot.buttons``) and forms it handles, the
message handlers it offers and the scheduled work it does on a tick. ``bot.features``
lists every feature in one explicit order, and the router is built from that list,
checking once that no command, button or form is claimed twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from bot.buttons import ButtonCodec
from bot.domain import MessageRef
from bot.render import TextInput
from bot.turn import CommandHandler, MessageHandler, TickHandler, Turn

C = TypeVar("C", bound=ButtonCodec)


@dataclass(frozen=True)
class ButtonRoute(Generic[C]):
    """Clicks on buttons of kind ``codec`` run ``handler`` with the decoded value."""

    codec: type[C]
    handler: Callable[[Turn, C, MessageRef | None], Awaitable[None]]


@dataclass(frozen=True)
class FormRoute(Generic[C]):
    """Buttons of kind ``codec`` open ``spec``; the submission runs ``handler`` (text "" if unfilled)."""

    codec: type[C]
    spec: TextInput
    handler: Callable[[Turn, C, str, MessageRef | None], Awaitable[None]]


def button(
    codec: type[C], handler: Callable[[Turn, C, MessageRef | None], Awaitable[None]]
) -> ButtonRoute[C]:
    """A button row of a feature's table (typed: the handler takes what the codec decodes)."""
    return ButtonRoute(codec, handler)


def form(
    codec: type[C], spec: TextInput, handler: Callable[[Turn, C, str, MessageRef | None], Awaitable[None]]
) -> FormRoute[C]:
    """A form row of a feature's table."""
    return FormRoute(codec, spec, handler)


@dataclass(frozen=True)
class Feature:
    """One feature's table. Message handlers and ticks run in the order given here.

    A message handler returns True when it consumed the message (later ones then
    do not see it); a tick handler runs whatever is due at the clock's time.
    """

    name: str
    commands: Mapping[str, CommandHandler] = field(default_factory=dict)
    buttons: tuple[ButtonRoute[Any], ...] = ()
    forms: tuple[FormRoute[Any], ...] = ()
    messages: tuple[MessageHandler, ...] = ()
    ticks: tuple[TickHandler, ...] = ()
