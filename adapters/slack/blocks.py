"""OutboundMessage → Block Kit, within Slack's limits.

Slack rejects a whole message when one limit is broken (``invalid_blocks``), so
every limit is enforced here rather than hoped for: 3,000 characters of section
text, 50 blocks a message (100 on a Home tab), 25 elements an actions block,
75 characters a button label, 2,000 a button value. Content that does not fit
one message becomes several; buttons stay on the first, because the first is
the message the core keeps a reference to (the daily post and its thread).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.render import Button, OutboundMessage, clip, split_text

SECTION_CHARS = 3000
MESSAGE_BLOCKS = 50
HOME_BLOCKS = 100
ACTIONS_PER_BLOCK = 25
LABEL_CHARS = 75
VALUE_CHARS = 2000
OPTION_VALUE_CHARS = 150
OPTIONS_PER_SELECT = 100
# Slack truncates ``text`` beyond 40,000 characters; stay clear of it.
FALLBACK_CHARS = 39_000

Block = dict[str, Any]

# Slack markup in text the core re-posts. The core itself never makes mentions or
# links (it names people by display name), so every such token in its text came
# from a member: a thread answer quoted in a digest, a ballot label. Re-posted
# as-is, ``<!channel>`` would notify a whole channel in the bot's name, around
# the workspace's rule on who may do that; so tokens are turned into plain text.
_SLACK_TOKEN = re.compile(
    r"<([@#!])([^<>|\s]*)(?:\|([^<>]*))?>|<((?:https?|mailto):[^<>|\s]*)(?:\|([^<>]*))?>"
)
_ENTITY = re.compile(r"&(?:amp|lt|gt);")
# U+2060 WORD JOINER after "@": reads as "@channel" but is never a mention, even
# where a client would link a bare "@channel".
_NO_PING = "@\u2060"
_SPECIAL = {"channel", "here", "everyone"}


@dataclass(frozen=True)
class SlackMessage:
    """One Web API message: the notification ``text`` and its ``blocks``."""

    text: str
    blocks: list[Block]


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` as Slack asks; mentions and links become plain text.

    ``<!channel>``/``<!here>``/``<!everyone>`` → ``@channel`` …, ``<!subteam^S1|@devs>`` →
    ``@devs``, ``<@U1|ann>`` → ``@ann``, ``<#C1|general>`` → ``#general``, ``<https://x|site>``
    → ``site (`https://x`)`` (no link: see ``_inert_url``); each shown as text, notifying
    no one and linking nowhere. Existing entities stay.
    """
    out: list[str] = []
    last = 0
    for match in _SLACK_TOKEN.finditer(text):
        out.append(_escape_plain(text[last : match.start()]))
        out.append(_escape_plain(_as_plain(match)))
        last = match.end()
    out.append(_escape_plain(text[last:]))
    return "".join(out)


def _inert_url(url: str) -> str:
    """The URL shown, never a link: in an inline code span, with a word joiner after the scheme.

    Inline code is not linkified in mrkdwn; the joiner (U+2060, invisible) keeps
    plain-text places (button labels, notifications) from seeing ``https://host``.
    A masked link's label can say anything, so its real address is shown but inert.
    """
    scheme, sep, rest = url.replace("`", "").partition(":")
    if rest.startswith("//"):
        sep, rest = "://", rest[2:]
    return f"`{scheme}{sep}\u2060{rest}`"


def _as_plain(match: re.Match[str]) -> str:
    """The readable, inert text of one Slack token."""
    sigil, target, label, url, url_label = match.groups()
    if url is not None:
        shown = _inert_url(url)
        return f"{url_label} ({shown})" if url_label and url_label != url else shown
    label = (label or "").strip()
    if sigil == "#":
        return "#" + (label or target)
    if sigil == "@":
        return _NO_PING + (label.lstrip("@") or target)
    # "!": special mentions, user groups, dates and other Slack commands.
    command, _, _ = target.partition("^")
    if command in _SPECIAL:
        return _NO_PING + command
    if command == "subteam":
        return _NO_PING + (label.lstrip("@") or "group")
    return label or command


def _escape_plain(text: str) -> str:
    pieces = _ENTITY.split(text)
    entities = _ENTITY.findall(text)
    escaped = [p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for p in pieces]
    result = escaped[0]
    for entity, piece in zip(entities, escaped[1:], strict=True):
        result += entity + piece
    return result


def action_id(action: str, index: int) -> str:
    """A per-button action id: Slack wants them unique within a block, the core reuses names."""
    return f"{action}#{index}"


def action_name(slack_action_id: str) -> str:
    """The core's action name back from :func:`action_id`."""
    name, sep, index = slack_action_id.rpartition("#")
    return name if sep and index.isdigit() else slack_action_id


def _sections(text: str, title: str | None = None) -> list[Block]:
    body = escape(text)
    head = f"*{escape(title)}*\n" if title else ""
    chunks = split_text(head + body, SECTION_CHARS)
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks if chunk.strip()
    ]


def _button(button: Button, index: int) -> Block:
    if len(button.value) > VALUE_CHARS:
        raise ValueError(f"button value for {button.action!r} exceeds Slack's {VALUE_CHARS} characters")
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(button.label, LABEL_CHARS) or "…", "emoji": True},
        "action_id": action_id(button.action, index),
        "value": button.value,
    }
    if button.style != "default":
        element["style"] = button.style
    return element


def _controls(message: OutboundMessage) -> list[Block]:
    """Actions blocks: buttons 25 to a block, then the select menu if any."""
    blocks: list[Block] = []
    buttons = [_button(b, i) for i, b in enumerate(message.buttons)]
    for start in range(0, len(buttons), ACTIONS_PER_BLOCK):
        blocks.append({"type": "actions", "elements": buttons[start : start + ACTIONS_PER_BLOCK]})
    if message.choices:
        options = []
        for choice in message.choices[:OPTIONS_PER_SELECT]:
            if len(choice.value) > OPTION_VALUE_CHARS:
                raise ValueError(f"choice value exceeds Slack's {OPTION_VALUE_CHARS} characters")
            label = clip(choice.label, LABEL_CHARS) or "…"
            options.append({"text": {"type": "plain_text", "text": label}, "value": choice.value})
        select = {
            "type": "static_select",
            "action_id": action_id(message.choice_action or "choice", 0),
            "placeholder": {"type": "plain_text", "text": "Choose…"},
            "options": options,
        }
        blocks.append({"type": "actions", "elements": [select]})
    return blocks


def _content(message: OutboundMessage) -> list[Block]:
    blocks = _sections(message.text)
    for section in message.sections:
        blocks.extend(_sections(section.text, section.title))
    if message.footer:
        for chunk in split_text(escape(message.footer), SECTION_CHARS):
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": chunk}]})
    return blocks


def _plain(blocks: list[Block]) -> str:
    """The readable text of some blocks: what notifications and screen readers show."""
    parts = []
    for block in blocks:
        if block["type"] == "section":
            parts.append(block["text"]["text"])
        elif block["type"] == "context":
            parts.extend(e["text"] for e in block["elements"])
    return "\n".join(parts)


def render(message: OutboundMessage, *, max_blocks: int = MESSAGE_BLOCKS) -> list[SlackMessage]:
    """One or more Slack messages for ``message``; the first carries the buttons."""
    content = _content(message)
    controls = _controls(message)
    if len(controls) >= max_blocks:
        raise ValueError("too many buttons for one Slack message")
    first_room = max_blocks - len(controls)
    batches = [content[:first_room]]
    rest = content[first_room:]
    while rest:
        batches.append(rest[:max_blocks])
        rest = rest[max_blocks:]
    out = []
    for number, batch in enumerate(batches):
        blocks = batch + controls if number == 0 else batch
        text = _plain(batch) or escape(message.text)
        out.append(SlackMessage(text=clip_fallback(text), blocks=blocks))
    return out


def clip_fallback(text: str) -> str:
    """Keep line breaks (``clip`` would fold them) but stay under Slack's ``text`` limit."""
    return text if len(text) <= FALLBACK_CHARS else text[: FALLBACK_CHARS - 1] + "…"


def home_view(messages: list[OutboundMessage]) -> Block:
    """A Home tab from what the core said; buttons are left out (the Home tab has no channel)."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "prepbot"}},
    ]
    for message in messages:
        blocks.extend(_content(message))
        blocks.append({"type": "divider"})
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Type `/prep help` in a channel for every command."}],
        }
    )
    if len(blocks) > HOME_BLOCKS:
        blocks = blocks[: HOME_BLOCKS - 1] + blocks[-1:]
    return {"type": "home", "blocks": blocks}
