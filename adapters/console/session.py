"""A console session: members, channels and a clock around one Prepbot.

Tests and scripts drive it the same way: ``await session.push("alice: /prep quiz")``
returns what the bot sent in answer (errbot's test backend, for prepbot).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

from adapters.console.chat import ConsoleChat, Sent
from bot.clock import ManualClock
from bot.domain import ChannelRef, MemberRef, MessageRef, SpaceRef
from bot.events import (
    ButtonPressed,
    CommandInvoked,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    TextSubmitted,
)
from bot.ports import UndeliverableReason
from bot.render import Button, OutboundMessage, TextInput
from bot.router import NotHandled, Prepbot

MENTION = re.compile(r"^@(?P<name>[\w.-]+)$")
LINE = re.compile(r"^(?P<who>[\w.-]+):\s*(?P<rest>.*)$")
DELTA = re.compile(r"^\+(?P<n>\d+(?:\.\d+)?)(?P<unit>[smhd])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
MAX_STEP = dt.timedelta(minutes=30)
# What `channel blocked NAME REASON` accepts: the reasons a platform refuses a channel.
CHANNEL_REASONS = ("not_in_channel", "channel_not_found", "archived", "no_access")


class ScriptError(Exception):
    """A console line that cannot be understood; the message says how to write it."""


class ConsoleSession:
    """A local workspace: several members and channels, threads, and a movable clock."""

    def __init__(
        self,
        bot: Prepbot,
        clock: ManualClock,
        *,
        out: Callable[[str], None] | None = None,
        space_id: str = "console",
        files_dir: Path | None = None,
    ) -> None:
        self.bot = bot
        self.clock = clock
        self.chat = ConsoleChat(out=out, files_dir=files_dir)
        self.space = SpaceRef(platform="console", id=space_id, name="console")
        self.admins: set[str] = set()
        self.current = ChannelRef(self.space, "general", "general")
        self._deliveries = 0
        self._last_reply: dict[str, MessageRef] = {}
        # A form a member opened with a button (the console's modal), waiting for their `note` line.
        self._forms: dict[str, tuple[Button, MessageRef]] = {}

    # --- who and where -------------------------------------------------
    def member(self, name: str) -> MemberRef:
        return MemberRef(self.space, name, display_name=name, is_admin=name in self.admins)

    def use_channel(self, name: str) -> ChannelRef:
        self.current = ChannelRef(self.space, name.lstrip("#"), name.lstrip("#"))
        return self.current

    # --- what the platform refuses ----------------------------------------
    def set_dms(self, words: list[str]) -> None:
        """``dms closed NAME …`` / ``dms open NAME …``: members refuse (or accept) direct messages."""
        if len(words) < 2 or words[0] not in ("closed", "open"):
            raise ScriptError("write `dms closed NAME …` or `dms open NAME …`")
        names = set(words[1:])
        if words[0] == "closed":
            self.chat.dms_closed |= names
        else:
            self.chat.dms_closed -= names

    def set_channel_access(self, state: str, name: str, reason: list[str]) -> None:
        """``channel private NAME``, ``channel blocked NAME REASON``, ``channel open NAME``."""
        channel = name.lstrip("#")
        if state == "open":
            self.chat.blocked.pop(channel, None)
            return
        why = "not_in_channel" if state == "private" else (reason[0] if reason else "")
        if why not in CHANNEL_REASONS:
            raise ScriptError(
                f"write `channel blocked NAME REASON` with REASON one of {', '.join(CHANNEL_REASONS)}"
            )
        self.chat.blocked[channel] = cast(UndeliverableReason, why)

    def next_delivery(self) -> str:
        self._deliveries += 1
        return f"d{self._deliveries}"

    # --- the one entry point -------------------------------------------
    async def push(self, line: str, *, delivery_id: str | None = None) -> list[Sent]:
        """Run one line ("alice: /prep quiz", "clock +1h", …); return what the bot sent."""
        start = len(self.chat.log)
        await self._run(line.strip(), delivery_id)
        return [s for s in self.chat.log[start:] if s.author == "prepbot"]

    async def _run(self, line: str, delivery_id: str | None) -> None:
        if not line or line.startswith("#"):
            return
        word, _, rest = line.partition(" ")
        words = rest.split()
        if word == "channel" and len(words) >= 2 and words[0] in ("private", "blocked", "open"):
            self.set_channel_access(words[0], words[1], words[2:])
        elif word == "dms":
            self.set_dms(words)
        elif word == "channel":
            self.use_channel(rest.strip() or "general")
        elif word == "admin":
            self.admins.update(rest.split())
        elif word == "clock":
            await self.move_clock(rest.strip())
        elif word == "tick":
            await self.bot.tick(self.chat)
        else:
            match = LINE.match(line)
            if match is None:
                raise ScriptError(f"cannot read {line!r}: expected 'NAME: /prep …' or a console command")
            await self._act(match["who"], match["rest"].strip(), delivery_id)

    async def _act(self, who: str, rest: str, delivery_id: str | None) -> None:
        member = self.member(who)
        delivery = delivery_id or self.next_delivery()
        verb, _, arg = rest.partition(" ")
        if verb == "/prep":
            # Console member ids are names, so `@bob` names the member `bob`, as `<@bob>`.
            words = [MENTION.sub(r"<@\g<name>>", w) for w in (shlex.split(arg) if arg else [])]
            name, args = (words[0], tuple(words[1:])) if words else ("help", ())
            named = [self.member(w[2:-1]) for w in args if w.startswith("<@") and w.endswith(">")]
            await self.bot.handle(
                CommandInvoked(
                    delivery, self.current, member, name, args, thread_id=None, mentions=tuple(named)
                ),
                self.chat,
            )
        elif verb == "press":
            await self.press(member, arg.strip(), delivery)
        elif verb == "note":
            await self.submit_form(member, arg.strip(), delivery)
        elif verb == "reply":
            await self.reply(member, arg)
        elif verb == "say":
            await self._say(member, arg, thread_id=None)
        elif verb == "edit":
            await self.edit_last(member, arg)
        elif verb == "delete":
            await self.delete_last(member)
        else:
            raise ScriptError(f"unknown action {verb!r}: use /prep, press, note, reply, say, edit or delete")

    # --- member actions ------------------------------------------------
    async def press(self, member: MemberRef, which: str, delivery: str) -> None:
        """Press a button by number or label on the latest message the member can see with buttons."""
        # "press 2 on m7": the button comes first, the message after " on ".
        which, _, target_id = which.rpartition(" on ") if " on " in which else (which, "", "")
        sent = self._button_message(member, target_id.strip() or None, which)
        buttons = sent.message.buttons
        if which.isdigit():
            index = int(which) - 1
            if not 0 <= index < len(buttons):
                raise ScriptError(f"{sent.ref.id} has buttons 1–{len(buttons)}, not {which}")
            button = buttons[index]
        else:
            label = which.strip('"').casefold()
            found = [b for b in buttons if b.label.casefold().startswith(label)]
            if not found:
                raise ScriptError(f"no button starting {which!r} on {sent.ref.id}")
            button = found[0]
        self.chat.record(
            Sent(self.chat.new_ref(self.current), _note(f"presses [{button.label}]"), author=member.id)
        )
        form = self.bot.text_input(button.action)
        if form is not None:
            self._open_form(member, form, button, sent.ref)
            return
        await self.bot.handle(
            ButtonPressed(delivery, sent.ref.channel, member, button.action, button.value, sent.ref),
            self.chat,
        )

    def _open_form(self, member: MemberRef, form: TextInput, button: Button, ref: MessageRef) -> None:
        """Show the form privately, as a modal would; the member's `note` line submits it."""
        self._forms[member.id] = (button, ref)
        how = f"`{member.id}: note TEXT`" + ("" if form.required else f" (or just `{member.id}: note`)")
        text = f"📝 {form.title}: {form.label}\nSend it with {how}."
        self.chat.record(
            Sent(self.chat.new_ref(ref.channel), OutboundMessage(text=text), visible_to=member.id)
        )

    async def submit_form(self, member: MemberRef, text: str, delivery: str) -> None:
        """``NAME: note TEXT``: submit the form the member's last button press opened."""
        if member.id not in self._forms:
            raise ScriptError(f"{member.id} has no open form: press a button that asks for a note first")
        button, ref = self._forms[member.id]
        form = self.bot.text_input(button.action)
        if form is not None and form.required and not text:
            raise ScriptError(f"the form needs text: `{member.id}: note TEXT`")
        del self._forms[member.id]
        # A form is private, like the modal it stands for.
        sent = _note(f"sends the form: {text}" if text else "sends the form with nothing typed")
        self.chat.record(Sent(self.chat.new_ref(ref.channel), sent, author=member.id, visible_to=member.id))
        await self.bot.handle(
            TextSubmitted(delivery, ref.channel, member, button.action, button.value, text, ref), self.chat
        )

    def _button_message(self, member: MemberRef, message_id: str | None, which: str) -> Sent:
        for sent in reversed(self.chat.log):
            if sent.deleted or sent.author != "prepbot" or not sent.message.buttons:
                continue
            if sent.visible_to not in (None, member.id):
                continue
            if message_id is None or sent.ref.id == message_id:
                if message_id is None and not which.isdigit():
                    label = which.strip('"').casefold()
                    if not any(b.label.casefold().startswith(label) for b in sent.message.buttons):
                        continue
                return sent
        raise ScriptError(f"{member.id} sees no message with buttons to press")

    async def reply(self, member: MemberRef, text: str) -> MessageRef:
        """Reply in a thread: ``reply m3 text`` or, by default, the latest top-level bot post."""
        first, _, remainder = text.partition(" ")
        if re.fullmatch(r"m\d+", first):
            root, text = first, remainder
        else:
            root = self._latest_thread_root()
        return await self._say(member, text, thread_id=root)

    def _latest_thread_root(self) -> str:
        for sent in reversed(self.chat.log):
            if (
                sent.author == "prepbot"
                and not sent.is_private
                and not sent.in_thread
                and sent.ref.channel == self.current
                and any(b.action.startswith("prompt") for b in sent.message.buttons)
            ):
                return sent.ref.id
        raise ScriptError("there is no culture prompt in this channel to reply to yet")

    async def _say(self, member: MemberRef, text: str, *, thread_id: str | None) -> MessageRef:
        ref = self.chat.new_ref(self.current, thread_id=thread_id)
        self.chat.record(Sent(ref, _note(text), author=member.id))
        if thread_id is not None:
            self._last_reply[member.id] = ref
        await self._message(MessagePosted(ref, member, text))
        return ref

    async def edit_last(self, member: MemberRef, text: str) -> None:
        ref = self._require_last(member)
        await self.chat.edit(ref, _note(text))
        await self._message(MessageEdited(ref, member, text))

    async def delete_last(self, member: MemberRef) -> None:
        ref = self._require_last(member)
        sent = self.chat.find(ref.id)
        if sent is not None:
            sent.deleted = True
        del self._last_reply[member.id]
        await self._message(MessageDeleted(ref))

    async def _message(self, event: MessagePosted | MessageEdited | MessageDeleted) -> None:
        """Hand a member's message to the core; one that failed to store is already logged there."""
        # The console has no platform retry: the member sees their message, unrecorded.
        with contextlib.suppress(NotHandled):
            await self.bot.handle(event, self.chat)

    def _require_last(self, member: MemberRef) -> MessageRef:
        if member.id not in self._last_reply:
            raise ScriptError(f"{member.id} has no reply to change")
        return self._last_reply[member.id]

    # --- time ------------------------------------------------------------
    async def move_clock(self, spec: str) -> None:
        """``+90m``, ``+2h``, ``+1d``, or ``YYYY-MM-DD HH:MM [Area/City]``; runs due work on the way."""
        target = self._target_time(spec)
        if target < self.clock.now():
            raise ScriptError("the clock only moves forward")
        while self.clock.now() < target:
            self.clock.set(min(target, self.clock.now() + MAX_STEP))
            await self.bot.tick(self.chat)

    def _target_time(self, spec: str) -> dt.datetime:
        match = DELTA.match(spec)
        if match:
            return self.clock.now() + dt.timedelta(**{UNITS[match["unit"]]: float(match["n"])})
        parts = spec.split()
        try:
            naive = dt.datetime.fromisoformat(" ".join(parts[:2]))
            zone = ZoneInfo(parts[2]) if len(parts) > 2 else dt.UTC
        except (ValueError, KeyError) as exc:
            raise ScriptError(
                f"cannot read clock {spec!r}: use +30m, +2h, +1d or 'YYYY-MM-DD HH:MM Area/City'"
            ) from exc
        return naive.replace(tzinfo=zone).astimezone(dt.UTC)


def _note(text: str) -> OutboundMessage:
    return OutboundMessage(text=text or "…")
