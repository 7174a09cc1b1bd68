"""Team focus: the prompt leans toward the weakest topic, visibly, without breaking rotation."""

from __future__ import annotations

import random

from adapters.console.session import ConsoleSession
from bot.content import Library
from bot.services.focus import ROTATION, choose
from bot.store.engine import Database
from bot.store.models import QuizAttempt
from bot.store.tenants import ensure_member


def _scenarios_by_topic(library: Library) -> dict[str, list[str]]:
    pack = library.default
    topics: dict[str, list[str]] = {}
    for scenario in pack.scenarios():
        topics.setdefault(pack.topic_of(scenario.id), []).append(scenario.id)
    return topics


def test_a_clearly_weak_topic_is_preferred_and_the_reason_is_given(library: Library) -> None:
    pack = library.default
    accuracy = {"role-expectations": (2, 10, 3), "culture-values": (9, 10, 3)}
    choice = choose(pack, pack.scenarios(), {}, accuracy, random.Random(1))
    assert pack.topic_of(choice.scenario.id) == "role-expectations"
    assert "The backend role and its interviews" in choice.why and "20%" in choice.why


def test_no_lean_without_enough_answers_or_a_clear_weakness(library: Library) -> None:
    pack = library.default
    for accuracy in (
        {"role-expectations": (1, 3, 3)},
        {"role-expectations": (9, 10, 3), "culture-values": (8, 10, 3)},
        {"role-expectations": (0, 10, 2)},  # clearly weak, but only two members' results
    ):
        assert choose(pack, pack.scenarios(), {}, accuracy, random.Random(1)).why == ROTATION


def test_rotation_comes_first_when_the_weak_topic_is_used_up(library: Library) -> None:
    pack = library.default
    by_topic = _scenarios_by_topic(library)
    uses = dict.fromkeys(by_topic["role-expectations"], 1)
    choice = choose(pack, pack.scenarios(), uses, {"role-expectations": (0, 10, 3)}, random.Random(3))
    assert pack.topic_of(choice.scenario.id) != "role-expectations" and choice.why == ROTATION


async def _attempts(db: Database, session: ConsoleSession, name: str, right: int, wrong: int) -> None:
    async with db.unit() as s:
        member = await ensure_member(s, ref=session.member(name))
        assert member.id is not None
        for n in range(right + wrong):
            attempt = QuizAttempt(
                space_id=member.space_id, member_id=member.id, item_id=f"x{n}", topic="role-expectations",
                mode="practice", token=f"t{n}", correct=n < right,
            )  # fmt: skip
            s.add(attempt)


async def test_the_posted_prompt_says_why_it_was_chosen(session: ConsoleSession, db: Database) -> None:
    for name in ("bob", "carol", "dave"):
        await _attempts(db, session, name, right=1 if name == "bob" else 0, wrong=7 if name == "bob" else 8)
    session.admins.add("alice")
    [post] = [s for s in await session.push("alice: /prep prompt") if not s.is_private]
    assert "Why this one" in post.text and "4%" in post.text  # 1 right of 24, three members
    assert post.message.text.split(": ", 1)[1] in {
        s.title for s in session.bot.ctx.library.default.scenarios()
    }


async def test_one_members_accuracy_is_never_posted(session: ConsoleSession, db: Database) -> None:
    """A topic only one (or two) members answered says nothing about them: rotation is named instead."""
    await _attempts(db, session, "bob", right=1, wrong=7)
    await _attempts(db, session, "carol", right=0, wrong=8)
    session.admins.add("alice")
    [post] = [s for s in await session.push("alice: /prep prompt") if not s.is_private]
    assert "%" not in post.text and "accuracy" not in post.text
    assert ROTATION in post.text
