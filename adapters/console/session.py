"""A console session: members, channels and a clock around one Prepbot.

Tests and scripts drive it the same way: ``await session.push("alice: /prep quiz")``
returns what the bot sent in answer (errbot's test backend, for prepbot).
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

from adapters.console.actions import MemberActions, ScriptError
from adapters.console.chat import ConsoleChat, Sent
from bot.clock import ManualClock
from bot.domain import ChannelRef, MemberRef, MessageRef, SpaceRef
from bot.events import CommandInvoked
from bot.ports import UndeliverableReason
from bot.render import Button
from bot.router import Prepbot

MENTION = re.compile(r"^@(?P<name>[\w.-]+)$")
LINE = re.compile(r"^(?P<who>[\w.-]+):\s*(?P<rest>.*)$")
DELTA = re.compile(r"^\+(?P<n>\d+(?:\.\d+)?)(?P<unit>[smhd])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
MAX_STEP = dt.timedelta(minutes=30)
# What `channel blocked NAME REASON` accepts: the reasons a platform refuses a channel.
CHANNEL_REASONS = ("not_in_channel", "channel_not_found", "archived", "no_access")


class ConsoleSession(MemberActions):
    """A local workspace: several members and channels, threads, and a movable clock.

    What members do besides ``/prep`` (press, note, reply, say, edit, delete) is
    :class:`adapters.console.actions.MemberActions`.
    """

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
