"""A ChatPort that keeps every message in memory and prints it as text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.ports import Undeliverable, UndeliverableReason
from bot.render import OutboundMessage


@dataclass
class Sent:
    """One message in the console's log, from the bot or from a member."""

    ref: MessageRef
    message: OutboundMessage
    author: str = "prepbot"
    visible_to: str | None = None
    deleted: bool = False
    # A file delivered with the message (``/prep export``): its name and bytes.
    attachment: tuple[str, bytes] | None = None
    # Reactions the bot put on this message (``x``), as a platform shows them under it.
    reactions: list[str] = field(default_factory=list)

    @property
    def is_private(self) -> bool:
        return self.visible_to is not None

    @property
    def in_thread(self) -> bool:
        return self.ref.thread_id is not None and self.ref.thread_id != self.ref.id

    @property
    def text(self) -> str:
        return self.message.as_text()


class ConsoleChat:
    """The console's platform: message ids are ``m1``, ``m2``…; threads are named by their root."""

    def __init__(self, out: Callable[[str], None] | None = None, files_dir: Path | None = None) -> None:
        self.log: list[Sent] = []
        # Where channel files (the weekly readiness chart) are written, so a terminal shows a path.
        self.files_dir = files_dir
        self._out = out
        self._next = 0
        # What the console can make fail, as the platforms do: members whose DMs
        # are closed, and channels the bot cannot post in (with the reason).
        self.dms_closed: set[str] = set()
        self.blocked: dict[str, UndeliverableReason] = {}
        # How many of the next sends fail as an outage does (a 5xx, a timeout, a rate limit
        # the adapter gave up waiting out): an error retrying can fix, unlike the two above.
        self.outages = 0

    def _outage(self) -> None:
        if self.outages > 0:
            self.outages -= 1
            raise ConnectionError("the platform did not answer (console outage)")

    def new_ref(self, channel: ChannelRef, thread_id: str | None = None) -> MessageRef:
        self._next += 1
        return MessageRef(channel=channel, id=f"m{self._next}", thread_id=thread_id)

    def record(self, sent: Sent) -> Sent:
        self.log.append(sent)
        if self._out is not None:
            self._out(format_sent(sent))
        return sent

    def _check(self, channel: ChannelRef) -> None:
        reason = self.blocked.get(channel.id)
        if reason is not None:
            raise Undeliverable(reason, target=channel.id)

    async def post(self, channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        self._check(channel)
        self._outage()
        return self.record(Sent(self.new_ref(channel), message)).ref

    async def reply_in_thread(self, parent: MessageRef, message: OutboundMessage) -> MessageRef:
        self._check(parent.channel)
        ref = self.new_ref(parent.channel, thread_id=parent.thread_root)
        return self.record(Sent(ref, message)).ref

    async def whisper(self, channel: ChannelRef, member: MemberRef, message: OutboundMessage) -> None:
        self.record(Sent(self.new_ref(channel), message, visible_to=member.id))

    async def edit(self, ref: MessageRef, message: OutboundMessage) -> None:
        for index, sent in enumerate(self.log):
            if sent.ref.id == ref.id:
                self.log[index] = replace(sent, message=message)
                if self._out is not None:
                    self._out(f"(edited {ref.id})\n" + format_sent(self.log[index]))
                return
        raise KeyError(f"no message {ref.id}")

    async def react(self, message: MessageRef, emoji: str) -> None:
        """Put the bot's reaction under a message (a member's typed answer): nobody is notified."""
        sent = self.find(message.id)
        if sent is not None and emoji not in sent.reactions:
            sent.reactions.append(emoji)
            if self._out is not None:
                self._out(f"(prepbot reacts :{emoji}: to {message.id})")

    async def open_thread(self, parent: MessageRef, name: str) -> MessageRef:
        return MessageRef(channel=parent.channel, id=parent.id, thread_id=parent.id)

    def dm_channel(self, member: MemberRef) -> ChannelRef:
        """The member's direct-message conversation with the bot."""
        return ChannelRef(member.space, f"dm-{member.id}", f"dm {member.label}")

    async def direct(self, member: MemberRef, message: OutboundMessage) -> MessageRef:
        if member.id in self.dms_closed:
            raise Undeliverable("dm_closed", target=member.id)
        self._outage()
        return self.record(Sent(self.new_ref(self.dm_channel(member)), message, visible_to=member.id)).ref

    async def send_file(
        self, member: MemberRef, filename: str, content: bytes, summary: OutboundMessage
    ) -> None:
        if member.id in self.dms_closed:
            raise Undeliverable("dm_closed", target=member.id)
        ref = self.new_ref(self.dm_channel(member))
        self.record(Sent(ref, summary, visible_to=member.id, attachment=(filename, content)))

    async def post_file(
        self, channel: ChannelRef, filename: str, content: bytes, message: OutboundMessage
    ) -> MessageRef:
        """In the channel for everyone; written under :attr:`files_dir` when set, its path shown."""
        self._check(channel)
        self._outage()
        ref = self.new_ref(channel)
        if self.files_dir is not None:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / f"{ref.id}-{filename}"
            path.write_bytes(content)
            filename = str(path)
        self.record(Sent(ref, message, attachment=(filename, content)))
        return ref

    async def ensure_in_channel(self, channel: ChannelRef) -> None:
        self._check(channel)

    def find(self, message_id: str) -> Sent | None:
        return next((s for s in self.log if s.ref.id == message_id), None)


def format_sent(sent: Sent) -> str:
    """How a message looks in the terminal: where, who, text, then numbered buttons."""
    where = f"#{sent.ref.channel.name or sent.ref.channel.id}"
    if sent.in_thread:
        where += f" › thread {sent.ref.thread_id}"
    who = sent.author if not sent.is_private else f"{sent.author} → {sent.visible_to} (only you)"
    body = sent.message.as_text().replace("\n", "\n    ")
    lines = [f"[{where}] {who} ({sent.ref.id}): {body}"]
    if sent.attachment is not None:
        name, data = sent.attachment
        lines.append(f"    📎 {name} ({len(data):,} bytes)")
    if sent.message.buttons:
        labels = "  ".join(f"[{n}] {b.label}" for n, b in enumerate(sent.message.buttons, start=1))
        lines.append(f"    {labels}")
    if sent.message.choices:
        labels = "  ".join(f"<{c.label}>" for c in sent.message.choices)
        lines.append(f"    choose: {labels}")
    return "\n".join(lines)
