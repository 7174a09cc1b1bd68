"""OutboundMessage → Discord messages: content, embeds and component rows within Discord's limits.

A message may carry 2,000 characters of content, 10 embeds whose text totals 6,000
characters (25 fields each, 1,024 per field value, 256 per field name), and 5 rows
of components (5 buttons a row, or one select of 25 options). What does not fit in
one message spills onto further *pages*, sent right after the first, so nothing
the core says is lost; buttons stay on the first page whenever they fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discord.components import (
    ANSWER_ACTION,
    LABEL_LIMIT,
    TYPED_ACTION,
    PrepButton,
    PrepSelect,
    button_id,
)
from bot.render import Button, OutboundMessage, Section, clip, split_text
from bot.services.prompts import BALLOT_ACTION

CONTENT_LIMIT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL = 6000
FIELDS_PER_EMBED = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
DESCRIPTION = 4096
ROWS = 5
BUTTONS_PER_ROW = 5
OPTIONS_PER_SELECT = 25
BLANK = "\u200b"  # Discord refuses empty field names; a zero-width space reads as none
COLOUR = discord.Colour(0x5865F2)
# The footer of a challenge round that takes a typed answer (bot.services.challenge_messages);
# tests/test_discord_intents.py fails if the core's wording drifts from it.
TYPED_ROUND = "Type your answer in the channel"


@dataclass
class Page:
    """One Discord message: what ``channel.send`` / ``followup.send`` receive."""

    content: str = ""
    description: str | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)
    footer: str | None = None
    buttons: list[Button] = field(default_factory=list)
    select: tuple[str, list[tuple[str, str]]] | None = None

    def embeds(self) -> list[discord.Embed]:
        embeds: list[discord.Embed] = []
        if self.description:
            embeds.append(discord.Embed(colour=COLOUR, description=self.description))
        for index, (name, value) in enumerate(self.fields):
            if index % FIELDS_PER_EMBED == 0 and not (index == 0 and embeds):
                embeds.append(discord.Embed(colour=COLOUR))
            embeds[-1].add_field(name=name, value=value, inline=False)
        if self.footer:
            if not embeds:
                embeds.append(discord.Embed(colour=COLOUR))
            embeds[-1].set_footer(text=self.footer)
        return embeds

    def view(self) -> discord.ui.View | None:
        """A persistent view (no timeout) of dynamic items; ``None`` when there is nothing to press."""
        if not self.buttons and self.select is None:
            return None
        view = discord.ui.View(timeout=None)
        if self.select is not None:
            action, options = self.select
            menu = [discord.SelectOption(label=clip(label, 100), value=value) for label, value in options]
            view.add_item(PrepSelect(action, menu))
        for button in self.buttons:
            label = clip(button.label, LABEL_LIMIT)
            view.add_item(PrepButton(button.action, button.value, label, button.style))
        return view

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``send``/``edit``: only what this page has."""
        args: dict[str, Any] = {"content": self.content or None, "embeds": self.embeds()}
        view = self.view()
        if view is not None:
            args["view"] = view
        return args


def _fields(sections: tuple[Section, ...]) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for section in sections:
        name = clip(section.title, FIELD_NAME) if section.title else BLANK
        for chunk in split_text(section.text.strip() or BLANK, FIELD_VALUE):
            fields.append((name, chunk or BLANK))
            name = BLANK
    return fields


def _unique(buttons: tuple[Button, ...]) -> list[Button]:
    """Drop buttons Discord would reject: duplicate custom_ids in one message."""
    seen: set[str] = set()
    kept = []
    for button in buttons:
        custom_id = button_id(button.action, button.value)
        if custom_id not in seen:
            seen.add(custom_id)
            kept.append(button)
    return kept


def render(message: OutboundMessage) -> list[Page]:
    """Split one core message into as few Discord messages as its size needs."""
    texts = split_text(message.text, CONTENT_LIMIT)
    pages = [Page(content=text) for text in texts]
    first = pages[0]

    # Components: a select (the choices) takes a row; buttons fill the rest, 25 a message.
    buttons = _unique(message.buttons)
    if any(b.action == BALLOT_ACTION for b in buttons):
        # Beside Vote: answering through a modal works even without the Message Content intent.
        buttons.append(Button("Answer", ANSWER_ACTION))
    if not buttons and (message.footer or "").startswith(TYPED_ROUND):
        # Typed channel messages arrive empty without Message Content: a modal always reaches us.
        buttons.append(Button("Answer", TYPED_ACTION, style="primary"))
    if message.choices:
        options = [(c.label, c.value) for c in message.choices]
        first.select = (message.choice_action, options[:OPTIONS_PER_SELECT])
        for start in range(OPTIONS_PER_SELECT, len(options), OPTIONS_PER_SELECT):
            more = options[start : start + OPTIONS_PER_SELECT]
            pages.append(Page(content="More choices:", select=(message.choice_action, more)))
    room = (ROWS - (1 if message.choices else 0)) * BUTTONS_PER_ROW
    first.buttons, rest = buttons[:room], buttons[room:]
    while rest:
        chunk, rest = rest[: ROWS * BUTTONS_PER_ROW], rest[ROWS * BUTTONS_PER_ROW :]
        pages.append(Page(content="More options:", buttons=chunk))

    # Embeds: fields go on the last text page, then onto new pages when a budget runs out.
    footer = clip(message.footer, FOOTER) if message.footer else None
    target = pages[len(texts) - 1]
    used = 0
    sections = message.sections
    if sections and not sections[0].title and len(sections[0].text) <= DESCRIPTION:
        # An untitled opening section reads best as the embed's body.
        target.description = sections[0].text
        used, sections = len(sections[0].text), sections[1:]
    for name, value in _fields(sections):
        size = len(name) + len(value)
        full = len(target.fields) >= EMBEDS_PER_MESSAGE * FIELDS_PER_EMBED
        if full or used + size + len(footer or "") > EMBED_TOTAL:
            target = Page(content="(continued)")
            pages.append(target)
            used = 0
        target.fields.append((name, value))
        used += size
    if footer:
        target.footer = footer
    return pages
