"""Runs console scripts: one line per action, stopping with ``file:line`` on a bad line."""

from __future__ import annotations

from collections.abc import Iterable

from adapters.console.session import ConsoleSession, ScriptError


class ScriptFailed(Exception):
    """A script line failed; the message names the source and line."""


async def run_lines(session: ConsoleSession, lines: Iterable[str], *, source: str = "<script>") -> int:
    """Run every line; returns how many actions ran."""
    count = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("expect "):
            _expect(session, line.removeprefix("expect ").strip(), source, number)
            continue
        try:
            await session.push(line)
        except ScriptError as exc:
            raise ScriptFailed(f"{source}:{number}: {exc}") from None
        count += 1
    return count


def _expect(session: ConsoleSession, wanted: str, source: str, number: int) -> None:
    """Fail unless ``wanted`` appears in something the bot sent so far (a message or a file)."""
    if not any(wanted in said for said in _said(session)):
        raise ScriptFailed(f"{source}:{number}: expected the bot to have said {wanted!r}")


def _said(session: ConsoleSession) -> list[str]:
    texts = []
    for sent in session.chat.log:
        if sent.author == "prepbot":
            texts.append(sent.text)
            if sent.attachment is not None:
                texts.append(sent.attachment[1].decode("utf-8", errors="replace"))
    return texts
