"""What a member does in the console besides ``/prep``: press buttons, fill forms, say, reply, edit, delete.

Apart from ``adapters/console/session.py`` (the line language, the platform's
refusals and the clock) because these are the member's side of a chat, each handed
to the core as the event a platform would send. :class:`MemberActions` is the base
of ``ConsoleSession``; :class:`ScriptError` is here with it, and the session
re-exports it.
"""

from __future__ import annotations

import re

from adapters.console.chat import ConsoleChat, Sent
from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.events import ButtonPressed, MessageDeleted, MessageEdited, MessagePosted, TextSubmitted
from bot.render import Button, OutboundMessage, TextInput
from bot.router import NotHandled, Prepbot
from bot.unsaved import notice


class ScriptError(Exception):
    """A console line that cannot be understood; the message says how to write it."""


class MemberActions:
    """A member's actions on the session's chat; :class:`ConsoleSession` sets the state they share."""

    bot: Prepbot
    chat: ConsoleChat
    current: ChannelRef
    _last_reply: dict[str, MessageRef]
    _forms: dict[str, tuple[Button, MessageRef]]

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
        """Hand a member's message to the core; one it could not store is answered privately.

        The console, like Discord's gateway, never sends a message again: the author
        hears at once that it was not saved (:func:`bot.unsaved.notice`), never quoted.
        """
        try:
            await self.bot.handle(event, self.chat)
        except NotHandled:
            said = notice(event)
            if said is not None and not isinstance(event, MessageDeleted):
                await self.chat.whisper(event.message.channel, event.member, said)

    def _require_last(self, member: MemberRef) -> MessageRef:
        if member.id not in self._last_reply:
            raise ScriptError(f"{member.id} has no reply to change")
        return self._last_reply[member.id]


def _note(text: str) -> OutboundMessage:
    return OutboundMessage(text=text or "…")
