"""Answers in a prompt's thread on real SQLite and PostgreSQL: once per message, edits, deletions."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from adapters.console.session import ConsoleSession
from bot.domain import MessageRef
from bot.events import MessageDeleted, MessageEdited, MessagePosted
from bot.services.answers import answers_of, on_message
from bot.services.context import ServiceContext
from bot.store.engine import Database
from bot.store.models import Answer, AnswerPart, PromptPost, Vote


async def start_prompt(session: ConsoleSession) -> str:
    session.admins.add("alice")
    [post] = await session.push("alice: /prep prompt")
    return post.ref.id


async def answers(db: Database) -> list[tuple[str, str]]:
    async with db.unit() as s:
        prompt_id = (await s.execute(select(col(PromptPost.id)))).scalars().one()
        return [(a.author, a.text) for a in await answers_of(s, prompt_id=prompt_id)]


async def count(db: Database, model: type) -> int:
    async with db.unit() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_replies_form_one_answer_per_member_in_thread_order(
    session: ConsoleSession, db: Database
) -> None:
    await start_prompt(session)
    await session.push("bob: reply I would roll back first, then read the graphs with the on-call engineer.")
    await session.push("carol: reply Page the owning team, then agree with them who tells the customers.")
    await session.push("bob: reply Then write it up.")
    assert await answers(db) == [
        (
            "bob",
            "I would roll back first, then read the graphs with the on-call engineer.\nThen write it up.",
        ),
        ("carol", "Page the owning team, then agree with them who tells the customers."),
    ]
    assert await count(db, AnswerPart) == 3


async def test_a_redelivered_reply_is_recorded_once(
    session: ConsoleSession, ctx: ServiceContext, db: Database
) -> None:
    post_id = await start_prompt(session)
    ref = MessageRef(session.current, "m-bob-1", thread_id=post_id)
    event = MessagePosted(
        ref, session.member("bob"), "My answer: roll back first, then explain to the team what I assumed."
    )
    for _ in range(3):
        assert await on_message(ctx, session.chat, event)
    assert await answers(db) == [
        ("bob", "My answer: roll back first, then explain to the team what I assumed.")
    ]


async def test_messages_outside_a_prompt_thread_are_left_to_other_features(
    session: ConsoleSession, ctx: ServiceContext, db: Database
) -> None:
    post_id = await start_prompt(session)
    bob = session.member("bob")
    top_level = MessagePosted(MessageRef(session.current, "m90"), bob, "hello")
    other_thread = MessagePosted(MessageRef(session.current, "m91", thread_id="m1234"), bob, "hi")
    elsewhere = MessagePosted(MessageRef(session.use_channel("random"), "m92", thread_id=post_id), bob, "x")
    for event in (top_level, other_thread, elsewhere):
        assert not await on_message(ctx, session.chat, event)
    assert not await on_message(ctx, session.chat, MessageDeleted(MessageRef(session.current, "m90")))
    assert await count(db, Answer) == 0


async def test_an_edit_updates_the_answer_and_keeps_its_votes(session: ConsoleSession, db: Database) -> None:
    await start_prompt(session)
    await session.push("bob: reply First draft: roll back, then look at what changed in the deploy.")
    await session.push("carol: press Vote")
    await session.push("carol: press 1")
    await session.push("bob: edit Final answer")
    assert await answers(db) == [("bob", "Final answer")]
    assert await count(db, Vote) == 1


async def test_deleting_a_reply_removes_its_text_and_the_last_one_takes_the_votes(
    session: ConsoleSession, db: Database
) -> None:
    await start_prompt(session)
    await session.push("bob: reply Part one: roll back first and tell the partner team what I assumed.")
    await session.push("bob: reply Part two")
    await session.push("carol: press Vote")
    await session.push("carol: press 1")
    await session.push("bob: delete")  # part two
    assert await answers(db) == [
        ("bob", "Part one: roll back first and tell the partner team what I assumed.")
    ]
    assert await count(db, Vote) == 1
    part_one = MessageRef(session.current, "m2", thread_id="m1")
    await session.bot.handle(MessageDeleted(part_one), session.chat)  # the last part: the answer goes
    assert await answers(db) == []
    assert (await count(db, Answer), await count(db, Vote)) == (0, 0)


async def test_a_reply_without_text_is_not_an_answer(
    session: ConsoleSession, ctx: ServiceContext, db: Database
) -> None:
    post_id = await start_prompt(session)
    event = MessagePosted(MessageRef(session.current, "m50", thread_id=post_id), session.member("bob"), "  ")
    assert await on_message(ctx, session.chat, event)  # in the thread, so consumed
    assert await count(db, Answer) == 0
    # Filling it in later (an edit) makes it an answer.
    edit = MessageEdited(
        event.message,
        session.member("bob"),
        "Now with words: I would ask the owners before touching their service.",
    )
    assert await on_message(ctx, session.chat, edit)
    assert await answers(db) == [
        ("bob", "Now with words: I would ask the owners before touching their service.")
    ]


async def test_replies_after_the_reveal_are_not_answers(session: ConsoleSession, db: Database) -> None:
    await start_prompt(session)
    await session.push("bob: reply On time: roll back first, then write a blameless review with the team.")
    await session.push("alice: /prep reveal")
    await session.push("carol: reply Too late")
    assert await answers(db) == [
        ("bob", "On time: roll back first, then write a blameless review with the team.")
    ]
