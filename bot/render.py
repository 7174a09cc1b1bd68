"""What the core hands out: platform-neutral messages that adapters render.

Slack renders an :class:`OutboundMessage` as Block Kit, Discord as embeds and
components, the console as plain text with numbered buttons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ButtonStyle = Literal["default", "primary", "danger"]


@dataclass(frozen=True)
class Button:
    """A button; ``action`` names the handler, ``value`` carries its argument."""

    label: str
    action: str
    value: str = ""
    style: ButtonStyle = "default"


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


@dataclass(frozen=True)
class Notice:
    """A short private message: help, refusals and errors."""

    text: str
    hints: list[str] = field(default_factory=list)

    def message(self) -> OutboundMessage:
        return OutboundMessage(text="\n".join([self.text, *self.hints]))


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
