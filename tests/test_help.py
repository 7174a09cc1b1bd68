"""`/prep help` names every sub-command and option the README documents."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.console.session import ConsoleSession

README = Path(__file__).resolve().parents[1] / "README.md"
# Words in a documented usage that stand for a value the member types, not an option.
PLACEHOLDER = re.compile(r"^(\[.*|.*\]|[A-Z].*|YYYY-.*|@member|HH:MM|<.*|[0-9:]+|…)$")


def documented() -> set[str]:
    """Every ``/prep …`` usage in the README, split into its literal words (sub-commands, options)."""
    words: set[str] = set()
    for usage in re.findall(r"`/prep ([^`]+)`", README.read_text(encoding="utf-8")):
        tokens = usage.replace("\\|", "|").split()
        words.add(tokens[0])
        for token in tokens[1:]:
            for word in token.strip("[]").split("|"):
                if word and not PLACEHOLDER.match(word) and not word.startswith(("@", "#")):
                    words.add(word)
    return words


async def test_help_lists_every_documented_sub_command_and_option(session: ConsoleSession) -> None:
    [help_text] = await session.push("alice: /prep help")
    shown = set(re.findall(r"[a-z][a-z-]*", help_text.text))
    examples = {"wed", "mon-fri", "mon", "Europe", "London"}  # sample values in the README's prose
    missing = sorted(documented() - shown - examples)
    assert missing == [], f"/prep help does not mention: {missing}"
    for phrase in (
        "challenge stop",
        "interview off",
        "reminders on|off",
        "pair now",
        "pair off",
        "tz profile",
    ):
        assert phrase in help_text.text
