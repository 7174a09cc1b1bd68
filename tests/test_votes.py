"""Blind ballots and exactly-once votes on real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy import func
from sqlmodel import col, select

from adapters.console.chat import Sent
from adapters.console.session import ConsoleSession
from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.events import ButtonPressed
from bot.services.context import ServiceContext
from bot.services.prompts import BALLOT_ACTION
from bot.services.votes import VOTE_ACTION
from bot.store.engine import Database
from bot.store.models import Answer, Vote
from tests.support.votes import cast, open_ballot

ANSWERS = {
    "bob": "I would roll back first, then read the logs with the on-call engineer before anything else.",
    "carol": "Page the owning team and throttle the noisy client until the graphs settle.",
    "dave": "Ask what the customer impact is, then decide with the owners whether to roll back.",
}


async def answered_prompt(session: ConsoleSession) -> None:
    session.admins.add("alice")
    await session.push("alice: /prep prompt")
    for name, text in ANSWERS.items():
        await session.push(f"{name}: reply {text}")


async def votes(db: Database) -> int:
    async with db.unit() as s:
        return int((await s.execute(select(func.count()).select_from(Vote))).scalar_one())


async def ballot_of(session: ConsoleSession, name: str) -> Sent:
    [ballot] = await session.push(f"{name}: press Vote")
    assert ballot.visible_to == name
    return ballot


async def test_a_ballot_never_shows_the_voters_own_answer_nor_authors_nor_counts(
    session: ConsoleSession,
) -> None:
    await answered_prompt(session)
    for name, own in ANSWERS.items():
        ballot = await ballot_of(session, name)
        assert own not in ballot.text
        assert all(other in ballot.text for who, other in ANSWERS.items() if who != name)
        assert not any(who in ballot.text for who in ANSWERS)  # no authors
        shown = "\n".join(
            [*(x.text for x in ballot.message.sections), *(b.label for b in ballot.message.buttons)]
        )
        assert "vote" not in shown  # no counts beside the answers
        labels = [b.label for b in ballot.message.buttons]
        assert len(labels) == 2 and all(len(label) <= 75 for label in labels)
    bob = await ballot_of(session, "bob")
    assert [b.label[:4] for b in bob.message.buttons] == ["2. “", "3. “"]


async def test_pressing_again_withdraws_and_votes_stay_blind(session: ConsoleSession, db: Database) -> None:
    await answered_prompt(session)
    await ballot_of(session, "carol")
    [reply] = await session.push("carol: press 1")
    assert "recorded" in reply.text and reply.is_private
    assert await votes(db) == 1
    await ballot_of(session, "carol")
    [reply] = await session.push("carol: press 1")
    assert "withdrawn" in reply.text
    assert await votes(db) == 0
    await session.push("carol: press 1")
    public = [s.text for s in session.chat.log if s.author == "prepbot" and not s.is_private]
    assert not any("1 vote" in text for text in public)  # blind until the reveal


async def test_a_redelivered_press_changes_nothing(session: ConsoleSession, db: Database) -> None:
    await answered_prompt(session)
    await ballot_of(session, "dave")
    await session.push("dave: press 1", delivery_id="act-1")
    await session.push("dave: press 1", delivery_id="act-1")  # the platform's retry of one click
    assert await votes(db) == 1


async def test_own_answer_foreign_prompts_and_closed_voting_are_refused(
    session: ConsoleSession, db: Database, ctx: ServiceContext
) -> None:
    await answered_prompt(session)
    async with db.unit() as s:
        prompt_id, bob_answer = (
            await s.execute(select(col(Answer.prompt_id), col(Answer.id)).order_by(col(Answer.id)))
        ).first() or (0, 0)
    bob = session.member("bob")
    press = ButtonPressed("forged-1", session.current, bob, VOTE_ACTION, f"{prompt_id}:{bob_answer}")
    await session.bot.handle(press, session.chat)
    assert "your own answer" in session.chat.log[-1].text
    stranger = MemberRef(SpaceRef("slack", "T9"), "eve", "eve")
    other = ButtonPressed(
        "forged-2", ChannelRef(stranger.space, "C9"), stranger, BALLOT_ACTION, str(prompt_id)
    )
    await session.bot.handle(other, session.chat)
    assert "no longer exists" in session.chat.log[-1].text
    await session.push("alice: /prep reveal")
    [closed] = await session.push("carol: press Vote")
    assert "closed" in closed.text
    assert await votes(db) == 0


async def test_a_thousand_concurrent_votes_count_each_distinct_pair_once(
    ctx: ServiceContext, db: Database
) -> None:
    ballot = await open_ballot(db, space="load", answers=10, voters=[f"voter{i}" for i in range(40)])
    answer_ids, voter_ids = ballot.answer_ids, ballot.voter_ids
    rng = random.Random(5)
    pool = [(v, a) for v in voter_ids for a in rng.sample(answer_ids, 3)]  # 120 distinct pairs
    presses = [rng.choice(pool) for _ in range(1000)]  # with many duplicates
    results = await asyncio.gather(
        *(cast(db, prompt_id=ballot.prompt_id, answer_id=a, voter_id=v, budget=3) for v, a in presses)
    )
    distinct = len(set(presses))
    assert 50 < distinct < 1000
    assert await votes(db) == distinct
    assert sum(results) == distinct  # each pair reported new exactly once
