"""The notes a member's mock interviewers wrote to them are in their `/prep export`, on both databases.

Only the notes they received as the candidate: never the notes they wrote, nor
those written to anyone else.
"""

from __future__ import annotations

import datetime as dt

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from tests.support.console import dms


async def export_text(session: ConsoleSession, member: str) -> str:
    sent = await session.push(f"{member}: /prep export")
    [document] = [s for s in sent if s.attachment is not None]
    assert document.attachment is not None
    return document.attachment[1].decode("utf-8")


async def write_notes(session: ConsoleSession, interviewer: str) -> list[str]:
    """Rate each of the interviewer's candidates and write each a note; the candidates' names."""
    forms = [s for s in dms(session, interviewer) if s.text.startswith("Feedback for ")]
    names = []
    for form in forms:
        candidate = form.text.removeprefix("Feedback for ").split()[0].strip(":,.")
        await session.push(f"{interviewer}: press 4 on {form.ref.id}")
        await session.push(f"{interviewer}: press 5")
        await session.push(f"{interviewer}: press 3")
        await session.push(f"{interviewer}: press Write a note")
        await session.push(f"{interviewer}: note Private words from {interviewer} for {candidate}.")
        names.append(candidate)
    return names


async def test_the_export_carries_only_the_notes_written_to_the_member(
    session: ConsoleSession, clock: ManualClock
) -> None:
    session.admins.add("alice")
    for soon in ("carol", "erin"):
        await session.push(f"{soon}: /prep interview 2026-01-09")
    for name in ("alice", "bob", "carol", "erin"):
        await session.push(f"{name}: /prep pair")
    await session.push("alice: /prep pair now")
    clock.set(dt.datetime(2026, 1, 7, 8, 1, tzinfo=dt.UTC))  # two days on: the check-in and forms
    await session.push("tick")
    written = {who: await write_notes(session, who) for who in ("alice", "bob")}
    assert sorted(n for names in written.values() for n in names) == ["carol", "erin"]
    for interviewer, candidates in written.items():
        for candidate in candidates:
            document = await export_text(session, candidate)
            assert "## Notes from my mock interviewers" in document
            assert f"### Mock interview 1 — {interviewer}" in document
            assert f"Private words from {interviewer} for {candidate}." in document
            # Beside the ratings, after them; nobody else's note.
            assert document.index("## Mock-interview feedback") < document.index("## Notes from my mock")
            assert document.count("Private words from") == 1
        # The interviewer wrote notes but received none: their export has no notes at all.
        document = await export_text(session, interviewer)
        assert "Private words" not in document and "Notes from my mock interviewers" not in document
