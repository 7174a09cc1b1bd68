"""Buttons, select menus and the answer modal, matched by ``custom_id`` so they survive restarts.

Discord sends a component's ``custom_id`` back with every click. Views kept only in
memory stop working when the process restarts; ``DynamicItem`` templates match any
message the bot ever sent, so the core's ``action`` and ``value`` travel inside
the ``custom_id`` itself (``prep:<action>:<value>``, at most 100 characters).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

import discord

from adapters.discord.translate import (
    ACTION,
    ANSWER_FIELD,
    ANSWER_MODAL_PREFIX,
    BUTTON_TEMPLATE,
    FORM_FIELD,
    FORM_MODAL_PREFIX,
    FORM_TEMPLATE,
    MAX_NODES,
    SELECT_TEMPLATE,
    TYPED_MODAL_ID,
    form_target,
    submitted_text,
)
from bot.render import TextInput

__all__ = [  # the custom_id formats live in translate; these names stay importable from here
    "ACTION",
    "ANSWER_FIELD",
    "ANSWER_MODAL_PREFIX",
    "BUTTON_TEMPLATE",
    "FORM_FIELD",
    "FORM_MODAL_PREFIX",
    "FORM_TEMPLATE",
    "MAX_NODES",
    "SELECT_TEMPLATE",
    "TYPED_MODAL_ID",
    "form_target",
    "submitted_text",
]

log = logging.getLogger(__name__)

CUSTOM_ID_LIMIT = 100
LABEL_LIMIT = 80
ANSWER_ACTION = "discord.answer"
# A challenge round answered by typing (a free-text item): a modal, since typed
# channel messages arrive empty without the Message Content intent.
TYPED_ACTION = "discord.typed"
STYLES = {
    "default": discord.ButtonStyle.secondary,
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
}


class ClickHandler(Protocol):
    """What a click is handed to (``handler.Handler``): named here so components never import the handler."""

    async def on_button(self, interaction: discord.Interaction[Any], action: str, value: str) -> None: ...


class HasHandler(Protocol):
    handler: ClickHandler


def button_id(action: str, value: str) -> str:
    """The ``custom_id`` for a core button; refuses what Discord would reject."""
    custom_id = f"prep:{action}:{value}"
    if not re.fullmatch(BUTTON_TEMPLATE, custom_id) or len(custom_id) > CUSTOM_ID_LIMIT:
        raise ValueError(f"button {action!r}/{value!r} does not fit Discord's 100-character custom_id")
    return custom_id


def _handler(interaction: discord.Interaction[Any]) -> ClickHandler:
    client: HasHandler = interaction.client  # type: ignore[assignment]
    return client.handler


class PrepButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=BUTTON_TEMPLATE):
    """Any button the core rendered; a click becomes a ``ButtonPressed``."""

    def __init__(self, action: str, value: str, label: str = "…", style: str = "default") -> None:
        super().__init__(
            discord.ui.Button(
                label=label[:LABEL_LIMIT],
                style=STYLES.get(style, STYLES["default"]),
                custom_id=button_id(action, value),
            )
        )
        self.action, self.value = action, value

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PrepButton:
        return cls(match["action"], match["value"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _handler(interaction).on_button(interaction, self.action, self.value)


class PrepSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=SELECT_TEMPLATE):
    """A select menu of core choices; the picked value is the pressed button's value."""

    def __init__(self, action: str, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(custom_id=f"prepsel:{action}:", options=options or [], placeholder="Choose…")
        )
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PrepSelect:
        return cls(match["action"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        values = data.get("values") or [""]
        await _handler(interaction).on_button(interaction, self.action, str(values[0]))


class RawModal(discord.ui.Modal):
    """A modal as discord.py keeps it in memory; prepbot reads its submit from the raw interaction."""

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:  # type: ignore[override]
        # discord.py refreshes this object from the submit before ``on_interaction`` sees it;
        # a submit it cannot read is still handled (or ignored) there, so one line is enough.
        log.warning("a modal submit discord.py could not read (%s)", type(error).__name__)


def answer_modal(thread_id: str) -> discord.ui.Modal:
    """The modal behind the Answer button: for servers that withhold the Message Content intent.

    Its ``custom_id`` names the thread, and the submit is handled from the raw
    interaction (``on_interaction``), so an answer typed across a restart still counts.
    """
    # discord.py keeps a sent Modal in memory until it times out; ours only needs to be
    # forgotten eventually, since the submit is matched by custom_id, not by this object.
    modal = RawModal(title="Your answer", custom_id=f"{ANSWER_MODAL_PREFIX}{thread_id}", timeout=900)
    modal.add_item(
        discord.ui.TextInput(
            label="Answer the scenario",
            custom_id=ANSWER_FIELD,
            style=discord.TextStyle.paragraph,
            max_length=1800,
        )
    )
    return modal


def typed_answer_modal() -> discord.ui.Modal:
    """The modal behind a challenge round's Answer button; its submit counts as typing in the channel."""
    modal = RawModal(title="Your answer", custom_id=TYPED_MODAL_ID, timeout=120)
    modal.add_item(
        discord.ui.TextInput(label="Your answer to this round", custom_id=ANSWER_FIELD, max_length=200)
    )
    return modal


def form_modal(form: TextInput, action: str, value: str) -> discord.ui.Modal | None:
    """The modal for a core form (``Prepbot.text_input``); None when its id cannot fit 100 characters.

    The modal's ``custom_id`` carries the button's action and value, so the submit
    is handled from the raw interaction, like the answer modal.
    """
    custom_id = f"{FORM_MODAL_PREFIX}{action}:{value}"
    if len(custom_id) > CUSTOM_ID_LIMIT or not re.fullmatch(FORM_TEMPLATE, custom_id):
        return None
    modal = RawModal(title=form.title, custom_id=custom_id, timeout=900)
    modal.add_item(
        discord.ui.TextInput(
            label=form.label,
            custom_id=FORM_FIELD,
            style=discord.TextStyle.paragraph,
            placeholder=form.placeholder or None,
            required=form.required,
            max_length=form.max_length,
        )
    )
    return modal


DYNAMIC_ITEMS = (PrepButton, PrepSelect)
