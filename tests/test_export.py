"""The personal prep document: answers with votes, peers' best answers, misses, questions."""

from __future__ import annotations

from adapters.console.session import ConsoleSession
from tests.support.console import exported


async def test_export_gathers_answers_votes_misses_and_saved_questions(session: ConsoleSession) -> None:
    session.admins.add("alice")
    await session.push("alice: /prep prompt")
    await session.push("bob: reply I would roll back first, then tell the partner team what I assumed.")
    await session.push(
        "carol: reply I would page the owner first, and afterwards write a blameless review together."
    )
    await session.push("alice: press Vote")
    await session.push("alice: press 1")  # a vote for the first answer on alice's ballot (bob's)
    await session.push("carol: press Vote")
    await session.push("carol: press 1")
    await session.push("alice: /prep reveal")
    ask = (await session.push("bob: /prep ask"))[0]
    await session.push("bob: press Save")
    await session.push("bob: /prep quiz culture-values")
    quiz = [s for s in session.chat.log if s.visible_to == "bob" and s.message.buttons][-1]
    wrong = next(
        n for n, b in enumerate(quiz.message.buttons, 1) if b.action.startswith("quiz") and "0" != "x"
    )
    await session.push(f"bob: press {wrong} on {quiz.ref.id}")
    sent = await session.push("bob: /prep export")
    name, document = exported(sent, "bob")
    assert name == "interview-prep-bob.md" and document.startswith("# Interview prep — bob")
    assert "I would roll back first" in document and "(2 votes)" in document
    saved = ask.text.split("“")[1].split("”")[0]
    assert saved in document
    _, carol = exported(await session.push("carol: /prep export"), "carol")
    assert "My team's best answers" in carol and "— bob (2 votes)" in carol
