"""What the core hands out: platform-neutral messages that adapters render.

Slack renders an :class:`OutboundMessage` as Block Kit, Discord as embeds and
components, the console as plain text with numbered buttons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ButtonStyle = Literal["default", "primary", "danger"]

# The strictest platform limits a button must fit, so it renders the same everywhere:
BUTTON_LABEL_LIMIT = 75  # Slack's button text (Discord allows 80)
# Discord's custom_id (Slack allows 255 for an action_id and 2,000 for a value) holds
# the adapter's envelope (``prepform:<action>:<value>``, 10 characters) and the pair.
BUTTON_ID_LIMIT = 100 - len("prepform::")


@dataclass(frozen=True)
class Button:
    """A button; ``action`` names the handler, ``value`` carries its argument."""

    label: str
    action: str
    value: str = ""
    style: ButtonStyle = "default"


@dataclass(frozen=True)
class TextInput:
    """A one-field form that a button opens before its handler runs.

    A modal on Slack and Discord, a follow-up line in the console. Features
    declare it for a kind of button (``bot.feature.form``), so a click names it by the
    button's ``action`` alone (and still works after a restart); the text comes
    back as ``events.TextSubmitted`` with the button's action and value.
    Limits are the stricter platform's: Slack's modal title and submit label
    (24), Discord's text-input label (45) and placeholder (100).
    """

    title: str
    label: str
    placeholder: str = ""
    required: bool = False
    max_length: int = 1000
    submit: str = "Send"

    def __post_init__(self) -> None:
        limits = {"title": 24, "label": 45, "placeholder": 100, "submit": 24}
        for name, limit in limits.items():
            if len(getattr(self, name)) > limit:
                raise ValueError(f"a text input's {name} fits {limit} characters on every platform")
        if not self.title.strip() or not self.label.strip():
            raise ValueError("a text input needs a title and a label")
        if not 1 <= self.max_length <= 3000:  # Slack's plain_text_input allows 3,000
            raise ValueError("a text input's max_length must be between 1 and 3000")


@dataclass(frozen=True)
class Choice:
    """One option of a select menu."""

    label: str
    value: str


@dataclass(frozen=True)
class Section:
    """A block of text with an optional heading (an embed field on Discord)."""

    text: str
    title: str | None = None


@dataclass(frozen=True)
class OutboundMessage:
    """A message to send: ``text`` is always a complete, readable fallback."""

    text: str
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    choices: tuple[Choice, ...] = ()
    choice_action: str = ""
    footer: str | None = None
    # An idempotency key for posts that must exist once (a daily prompt): a
    # platform that can find messages by it returns an earlier copy instead of
    # posting again after a crash between sending and recording.
    key: str | None = None

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("an outbound message needs non-empty text")

    def as_text(self) -> str:
        """Plain text: the fallback, each section, and the footer."""
        parts = [self.text]
        for section in self.sections:
            parts.append(f"*{section.title}*\n{section.text}" if section.title else section.text)
        if self.footer:
            parts.append(f"_{self.footer}_")
        return "\n".join(parts)


def clip(text: str, limit: int) -> str:
    """Shorten ``text`` to ``limit`` characters with an ellipsis, on a word boundary when possible."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters, at line breaks when possible."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            head, line = line[:limit], line[limit:]
            if current:
                chunks.append(current)
                current = ""
            chunks.append(head)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks or [""]
