"""What tests read off the console: files delivered, direct messages, ephemerals."""

from __future__ import annotations

from adapters.console.chat import Sent
from adapters.console.session import ConsoleSession


def exported(sent: list[Sent], member: str) -> tuple[str, str]:
    """The file ``/prep export`` delivered to ``member``'s DMs, after checking how it was delivered."""
    files = [s for s in sent if s.attachment is not None]
    assert len(files) == 1 and files[0].ref.channel.id == f"dm-{member}" and files[0].visible_to == member
    assert "Markdown" in files[0].text and "Inside:" in files[0].text  # the summary, not the document
    replies = [s for s in sent if s.attachment is None]
    assert len(replies) == 1 and replies[0].visible_to == member and "direct messages" in replies[0].text
    assert not replies[0].ref.channel.id.startswith("dm-")  # the ephemeral answer, where they acted
    assert files[0].attachment is not None
    name, data = files[0].attachment
    return name, data.decode("utf-8")


def dms(session: ConsoleSession, member: str, start: int = 0) -> list[Sent]:
    """Direct messages the bot sent ``member`` (from log position ``start`` on)."""
    return [
        s for s in session.chat.log[start:] if s.author == "prepbot" and s.ref.channel.id == f"dm-{member}"
    ]


def ephemerals(session: ConsoleSession, member: str, start: int = 0) -> list[Sent]:
    """What the bot showed only to ``member`` in a channel (answers to their own actions)."""
    return [
        s
        for s in session.chat.log[start:]
        if s.author == "prepbot" and s.visible_to == member and not s.ref.channel.id.startswith("dm-")
    ]


def public(session: ConsoleSession, channel: str, start: int = 0) -> list[Sent]:
    """Messages everyone in ``channel`` sees."""
    return [
        s
        for s in session.chat.log[start:]
        if s.author == "prepbot" and s.visible_to is None and s.ref.channel.id == channel
    ]
