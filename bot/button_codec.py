"""What every kind of button shares: the codec contract, the readers of its fields, the id budgets.

Apart from ``bot/buttons.py`` (the kinds themselves) because this part rarely
changes and every kind is written against it: ``encode()`` writes a button's value,
``decode(value)`` reads it back or raises :class:`BadButton`.

Fields that come from content (item and pack ids) have a budget: with the longest
action and the largest ids, action and value still fit Discord's 100-character
``custom_id`` (the strictest limit; see ``bot.render.BUTTON_ID_LIMIT``), which
``tests/test_buttons.py`` checks for every kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Self

from bot.render import Button, ButtonStyle

ITEM_ID_MAX = 48  # content item ids (shipped ones are at most 34 characters)
PACK_ID_MAX = 32
TOPIC_ID_MAX = 80  # a content slug (bot.content_schema.Slug)
QUESTION_MAX = 16  # a pairing feedback question's key
ID_MAX = 2**63 - 1  # a database row id
TOKEN = re.compile(r"t[0-9a-f]{1,11}")  # bot.services.quiz.token_for (11 hex digits)
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class BadButton(ValueError):
    """A button value that does not decode: the button is from an older version, or forged."""


def read_row_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= ID_MAX:
        raise BadButton(f"not a row id: {text[:24]!r}")
    return int(text)


def read_slug(text: str, limit: int) -> str:
    if len(text) > limit or not SLUG.fullmatch(text):
        raise BadButton(f"not an id of at most {limit} characters: {text[:24]!r}")
    return text


def read_parts(value: str, sep: str, count: int) -> list[str]:
    parts = value.split(sep)
    if len(parts) != count:
        raise BadButton(f"expected {count} fields, got {len(parts)}")
    return parts


def read_choice(text: str) -> int:
    if text not in {"0", "1", "2", "3", "4"}:  # at most five choices (bot.content_schema)
        raise BadButton(f"not a choice index: {text[:8]!r}")
    return int(text)


@dataclass(frozen=True)
class ButtonCodec:
    """One kind of button; subclasses set ``ACTION`` and their fields."""

    ACTION: ClassVar[str]

    def encode(self) -> str:
        raise NotImplementedError

    @classmethod
    def decode(cls, value: str) -> Self:
        raise NotImplementedError

    def button(self, label: str, style: ButtonStyle = "default") -> Button:
        """The renderable button carrying this value (checked to decode: it fails here, not on a click)."""
        value = self.encode()
        type(self).decode(value)
        return Button(label, self.ACTION, value, style)
