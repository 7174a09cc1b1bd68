"""What a member sees is what they may see, and no member can flood or farm: the console, both databases.

Exports from a channel never visited, exports before and after the reveal, edits
and votes after the reveal, bounded answers, 100 leaderboard requests, challenge
starts, and an answer whose insert fails (never logged, never marked handled).
"""

from __future__ import annotations

import asyncio
import logging
import random

import pytest
from sqlalchemy import func, text
from sqlmodel import col, select

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.content import Library
from bot.services.answer_replies import MAX_ANSWER_CHARS, MAX_REPLIES
from bot.services.answers import answers_of
from bot.services.context import ServiceContext
from bot.services.public_posts import CHALLENGE
from bot.settings import Settings
from bot.store import prompt_transitions
from bot.store.engine import Database
from bot.store.models import AnswerPart, PromptPost, Vote
from bot.store.ranking import tally
from bot.store.tenants import ensure_member
from bot.store.votes import insert_vote_if_open
from tests.support.console import ephemerals, exported, public
from tests.support.quizplay import smallest_mcq_topic

SECRET = "the on-call rota in the secret channel is broken"


@pytest.fixture
def ctx(db: Database, library: Library, clock: ManualClock) -> ServiceContext:
    """These tests are about who sees what: every reply counts as an answer (no comment rule,
    which tests/test_daily_loop.py covers)."""
    settings = Settings(PREPBOT_MIN_ANSWER_CHARS=0)  # type: ignore[call-arg]
    return ServiceContext(db=db, library=library, clock=clock, settings=settings, rng=random.Random(7))


async def count(db: Database, model: type) -> int:
    async with db.unit() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def revealed_in_secret(session: ConsoleSession) -> None:
    """bob and carol answer in #secret, dave and frank vote for bob (a crown), alice reveals."""
    session.admins.add("alice")
    session.use_channel("secret")
    await session.push("alice: /prep prompt")
    await session.push(f"bob: reply {SECRET}, and I would fix it first.")
    await session.push("carol: reply I would ask the owner.")
    for voter in ("dave", "frank"):
        await session.push(f"{voter}: press Vote")
        await session.push(f"{voter}: press 1")  # bob's answer, the first on the ballot
    await session.push("alice: /prep reveal")
    session.use_channel("general")


async def test_an_export_never_shows_answers_from_a_channel_the_member_never_visited(
    session: ConsoleSession,
) -> None:
    await revealed_in_secret(session)
    _, eve = exported(await session.push("eve: /prep export"), "eve")
    assert SECRET not in eve and "bob" not in eve
    # dave voted there (the console cannot list members: taking part is what counts).
    _, dave = exported(await session.push("dave: /prep export"), "dave")
    assert SECRET in dave and "— bob (2 votes)" in dave


async def test_votes_stay_blind_in_an_export_until_the_reveal(session: ConsoleSession) -> None:
    session.admins.add("alice")
    await session.push("alice: /prep prompt")
    await session.push("bob: reply Roll back, then look.")
    await session.push("carol: reply Page the owner.")
    _, before = exported(await session.push("bob: /prep export"), "bob")
    await session.push("carol: press Vote")
    await session.push("carol: press 1")
    _, after_vote = exported(await session.push("bob: /prep export"), "bob")
    assert before == after_vote  # nothing tells bob that someone voted
    assert "votes shown after the reveal" in after_vote and "1 vote" not in after_vote
    stats = (await session.push("bob: /prep stats"))[0].text
    await session.push("alice: /prep reveal")
    _, revealed = exported(await session.push("bob: /prep export"), "bob")
    assert "(1 vote)" in revealed
    assert "0 points" in stats  # no vote (or answer) points before the reveal


async def test_an_answer_is_frozen_at_the_reveal_and_its_author_told_once(
    session: ConsoleSession, db: Database
) -> None:
    session.admins.add("alice")
    await session.push("alice: /prep prompt")
    await session.push("bob: reply I would roll back first.")
    await session.push("carol: reply Page the owner.")
    await session.push("carol: press Vote")
    ballot = session.chat.log[-1]
    await session.push("alice: /prep reveal")
    mark = len(session.chat.log)
    await session.push("bob: edit Something I wrote after seeing the winner.")
    await session.push("bob: edit And again.")
    told = ephemerals(session, "bob", mark)
    assert len(told) == 1 and "stays as it was revealed" in told[0].text
    await session.push("carol: delete")
    async with db.unit() as s:
        prompt_id = (await s.execute(select(col(PromptPost.id)))).scalars().one()
        texts = {a.author: a.text for a in await answers_of(s, prompt_id=prompt_id)}
    assert texts == {"bob": "I would roll back first.", "carol": "Page the owner."}
    assert len(ephemerals(session, "carol", mark)) == 1
    # A vote from a ballot opened before the reveal is refused, and nothing is recorded.
    refused = await session.push(f"carol: press 1 on {ballot.ref.id}")
    assert "closed" in refused[0].text and refused[0].visible_to == "carol"
    assert await count(db, Vote) == 0


async def test_one_member_cannot_grow_an_answer_without_bound(session: ConsoleSession, db: Database) -> None:
    session.admins.add("alice")
    await session.push("alice: /prep prompt")
    mark = len(session.chat.log)
    for n in range(100):
        await session.push(f"bob: reply {n:03d} " + "x" * 1500)
    await session.push("carol: reply A short one.")
    async with db.unit() as s:
        parts = (await s.execute(select(AnswerPart))).scalars().all()
    bobs = [p for p in parts if p.text[:3].isdigit()]
    assert len(bobs) <= MAX_REPLIES and sum(len(p.text) for p in bobs) == MAX_ANSWER_CHARS
    told = ephemerals(session, "bob", mark)
    assert len(told) == 1 and f"{MAX_ANSWER_CHARS:,} characters" in told[0].text
    await session.push("alice: /prep reveal")
    digest = [s for s in public(session, "general", mark) if "Voting is closed" in s.text]
    assert len(digest) == 1 and len(digest[0].text) < 6000
    name, document = exported(await session.push("bob: /prep export"), "bob")
    assert len(document) < MAX_ANSWER_CHARS + 4000


async def test_a_hundred_leaderboard_requests_make_one_public_post(session: ConsoleSession) -> None:
    mark = len(session.chat.log)
    for _ in range(100):
        await session.push("bob: /prep leaderboard")
    boards = [s for s in session.chat.log[mark:] if "Leaderboard" in s.text]
    assert len(boards) == 100
    assert len(public(session, "general", mark)) == 1
    assert len(ephemerals(session, "bob", mark)) == 99
    # Another member still gets one public board this hour.
    await session.push("carol: /prep leaderboard")
    assert len(public(session, "general", mark)) == 2


async def test_challenge_starts_are_limited_per_member_and_channel(session: ConsoleSession) -> None:
    topic = smallest_mcq_topic(session.bot.ctx.library.default)[0]
    for _ in range(CHALLENGE.per_member):
        started = await session.push(f"bob: /prep challenge {topic} 1")
        assert "started a challenge" in started[0].text
        await session.push("bob: /prep challenge stop")
    refused = await session.push(f"bob: /prep challenge {topic} 1")
    assert len(refused) == 1 and refused[0].visible_to == "bob" and "Try again after" in refused[0].text
    assert "started a challenge" in (await session.push(f"carol: /prep challenge {topic} 1"))[0].text


async def _fail_answer_inserts(db: Database) -> None:
    """A real database fault: a trigger that refuses new answer parts."""
    async with db.unit() as s:
        if db.url.get_backend_name() == "sqlite":
            await s.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON answerpart "
                    "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded'); END"
                )
            )
        else:
            await s.execute(
                text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'disk quota exceeded'; END $$ LANGUAGE plpgsql"
                )
            )
            await s.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON answerpart FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )


async def test_an_answer_that_failed_to_store_never_reaches_the_logs(
    session: ConsoleSession, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    session.admins.add("alice")
    await session.push("alice: /prep prompt")
    await _fail_answer_inserts(db)
    caplog.set_level(logging.DEBUG)
    words = "My manager ignored the outage report, so I escalated to the VP."
    await session.push(f"bob: reply {words}")
    assert await count(db, AnswerPart) == 0
    assert "message handler failed" in caplog.text
    logged = caplog.text + "".join(str(r.args) + str(r.exc_info) for r in caplog.records)
    assert "escalated" not in logged and "outage" not in logged


async def _open_prompt_with_answer(session: ConsoleSession, db: Database) -> tuple[int, int, int]:
    """(prompt id, bob's answer id, dave's member id) on an open prompt."""
    session.admins.add("alice")
    await session.push("alice: /prep prompt")
    await session.push("bob: reply Roll back first.")
    async with db.unit() as s:
        prompt_id = (await s.execute(select(col(PromptPost.id)))).scalars().one()
        [answer] = await answers_of(s, prompt_id=prompt_id)
        dave = await ensure_member(s, ref=session.member("dave"))
    assert dave.id is not None
    return prompt_id, answer.id, dave.id


async def test_a_vote_after_the_reveal_is_refused_by_the_statement_that_would_record_it(
    session: ConsoleSession, db: Database
) -> None:
    """The vote's transaction saw the prompt open; the reveal committed before its insert ran."""
    prompt_id, answer_id, voter = await _open_prompt_with_answer(session, db)
    now = session.clock.now()
    async with db.unit() as s:
        assert (await s.get(PromptPost, prompt_id)).status == "open"  # type: ignore[union-attr]
    async with db.unit() as s:  # the reveal, in between
        assert await prompt_transitions.take_reveal_lease(s, prompt_id=prompt_id, now=now, until=now)
    async with db.unit() as s:
        recorded = await insert_vote_if_open(
            s, prompt_id=prompt_id, answer_id=answer_id, voter_id=voter, budget=2
        )
    assert recorded is False and await count(db, Vote) == 0


async def test_a_vote_racing_the_reveal_is_counted_by_the_digest_or_refused(
    session: ConsoleSession, db: Database
) -> None:
    """A vote inserted first holds the reveal back until it commits, so the digest's tally has it.

    On PostgreSQL the vote's ``INSERT … SELECT … FOR SHARE`` locks the prompt row and the
    reveal's UPDATE waits; without the lock the reveal would tally 0 and the vote land after.
    """
    prompt_id, answer_id, voter = await _open_prompt_with_answer(session, db)
    now = session.clock.now()
    revealed: list[int] = []

    async def reveal() -> None:
        async with db.unit() as s:
            assert await prompt_transitions.take_reveal_lease(s, prompt_id=prompt_id, now=now, until=now)
            revealed.append(sum((await tally(s, prompt_id=prompt_id)).values()))

    async with db.unit() as s:
        assert await insert_vote_if_open(
            s, prompt_id=prompt_id, answer_id=answer_id, voter_id=voter, budget=2
        )
        racing = asyncio.create_task(reveal())
        await asyncio.sleep(0.3)  # let the reveal reach the database while the vote is uncommitted
    await racing
    assert revealed == [1] and await count(db, Vote) == 1
