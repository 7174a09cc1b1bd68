"""Running totals stay exact: concurrent votes, withdrawals, deleted answers and awards, recounted.

On SQLite and PostgreSQL each change runs in its own transaction, all at once
(``asyncio.gather``); afterwards the totals must equal a full recount of the raw
rows (votes received per author and UTC day, the ledger per member and UTC day).
The migration's back-fill is held to the same recount.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections import defaultdict
from collections.abc import Awaitable

from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.store import ledger, totals
from bot.store import votes as vote_store
from bot.store.answers import delete_part_if_open
from bot.store.engine import Database
from bot.store.migrate import alembic_config, upgrade
from bot.store.models import Answer, AnswerPart, MemberDay, MemberTotal, PointEvent, PromptPost, Vote
from bot.store.tenants import ensure_channel, ensure_member

Key = tuple[int, int, dt.date]
T0 = dt.datetime(2026, 3, 1, 22, 0, tzinfo=dt.UTC)  # votes straddle UTC midnights


async def recount(db: Database) -> dict[Key, tuple[int, int, int]]:
    """(points, awards, votes) per (space, member, UTC day), from the raw rows alone."""
    counts: dict[Key, list[int]] = defaultdict(lambda: [0, 0, 0])
    async with db.unit() as s:
        ledger_rows = (
            await s.execute(
                select(
                    col(PointEvent.space_id),
                    col(PointEvent.member_id),
                    col(PointEvent.points),
                    col(PointEvent.created_at),
                )
            )
        ).all()
        vote_rows = (
            await s.execute(
                select(col(Vote.space_id), col(Answer.member_id), col(Vote.created_at)).join(
                    Answer, col(Answer.id) == col(Vote.answer_id)
                )
            )
        ).all()
    for space_id, member_id, points, at in ledger_rows:
        entry = counts[(space_id, member_id, totals.day_of(at))]
        entry[0] += points
        entry[1] += 1
    for space_id, member_id, at in vote_rows:
        counts[(space_id, member_id, totals.day_of(at))][2] += 1
    return {key: (p, a, v) for key, (p, a, v) in counts.items()}


async def kept(db: Database) -> dict[Key, tuple[int, int, int]]:
    """The running totals per day, leaving out days that went back to nothing.

    The all-time rows are checked here too: each must be the sum of its member's days.
    """
    async with db.unit() as s:
        rows = (await s.execute(select(MemberDay))).scalars().all()
        alltime = (await s.execute(select(MemberTotal))).scalars().all()
    days = {
        (r.space_id, r.member_id, r.day): (r.points, r.awards, r.votes)
        for r in rows
        if (r.points, r.awards, r.votes) != (0, 0, 0)
    }
    summed: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (space_id, member_id, _), counts in days.items():
        for n, value in enumerate(counts):
            summed[(space_id, member_id)][n] += value
    assert {
        (r.space_id, r.member_id): [r.points, r.awards, r.votes]
        for r in alltime
        if (r.points, r.awards, r.votes) != (0, 0, 0)
    } == {key: value for key, value in summed.items() if value != [0, 0, 0]}
    return days


async def _open_prompt(
    db: Database, authors: int, voters: int
) -> tuple[int, list[int], list[int], list[int]]:
    """(prompt id, answer ids, their first parts' ids, voter ids) of one open prompt."""
    space = SpaceRef("console", "totals")
    async with db.unit() as s:
        ch = await ensure_channel(s, ref=ChannelRef(space, "general"))
        assert ch.id is not None
        prompt = PromptPost(space_id=ch.space_id, channel_id=ch.id, scenario_id="x", status="open")
        s.add(prompt)
        await s.flush()
        assert prompt.id is not None
        answer_ids, part_ids = [], []
        for i in range(authors):
            author = await ensure_member(s, ref=MemberRef(space, f"author{i}"))
            answer = Answer(space_id=ch.space_id, prompt_id=prompt.id, member_id=author.id or 0)
            s.add(answer)
            await s.flush()
            part = AnswerPart(
                answer_id=answer.id or 0, prompt_id=prompt.id, message_id=f"m{i}", text="t" * 80
            )
            s.add(part)
            await s.flush()
            answer_ids.append(answer.id or 0)
            part_ids.append(part.id or 0)
        voter_ids = [
            (await ensure_member(s, ref=MemberRef(space, f"voter{i}"))).id or 0 for i in range(voters)
        ]
    return prompt.id, answer_ids, part_ids, voter_ids


async def test_totals_equal_a_recount_after_concurrent_votes_withdrawals_deletions_and_awards(
    db: Database,
) -> None:
    prompt_id, answer_ids, part_ids, voter_ids = await _open_prompt(db, authors=8, voters=30)
    rng = random.Random(17)
    space_id = 1

    async def vote(voter: int, answer: int, minutes: int) -> None:
        at = T0 + dt.timedelta(minutes=minutes)
        try:
            async with db.unit() as s:
                await vote_store.insert_vote_if_open(
                    s, prompt_id=prompt_id, answer_id=answer, voter_id=voter, budget=3, at=at
                )
        except IntegrityError:
            pass  # the answer was deleted first: the vote's transaction, totals included, rolls back

    async def withdraw(voter: int, answer: int) -> None:
        async with db.unit() as s:
            await vote_store.withdraw_vote_if_open(s, prompt_id=prompt_id, answer_id=answer, voter_id=voter)

    async def delete_answer(index: int) -> None:
        try:
            async with db.unit() as s:
                part = await s.get(AnswerPart, part_ids[index])
                if part is not None:
                    await delete_part_if_open(s, part=part)
        except IntegrityError:
            # PostgreSQL: a vote committed between the votes' delete and the answer's; the
            # whole deletion rolls back, its totals with it (a retry would succeed).
            pass

    async def award(member: int, key: str, points: int, minutes: int) -> None:
        async with db.unit() as s:
            at = T0 + dt.timedelta(minutes=minutes)
            await ledger.award(
                s, space_id=space_id, member_id=member, points=points, reason="t", key=key, at=at
            )

    async def revoke(key: str) -> None:
        async with db.unit() as s:
            await ledger.revoke(s, space_id=space_id, key=key)

    # PostgreSQL: a few transactions in flight at once, enough to interleave row locks. SQLite
    # serialises writers (BEGIN IMMEDIATE), so interleaving there is only an order: one at a
    # time keeps a queued writer from waiting out its busy timeout on a loaded machine.
    gate = asyncio.Semaphore(4 if db.engine.dialect.name == "postgresql" else 1)

    async def gated(step: Awaitable[None]) -> None:
        async with gate:
            await step

    pairs = [(v, a) for v in voter_ids for a in answer_ids]
    first = [vote(v, a, rng.randrange(240)) for v, a in rng.sample(pairs, 40)]
    await asyncio.gather(*(gated(step) for step in first))
    members = voter_ids[:10]
    keys = [f"k{n}" for n in range(10)]
    # Votes (repeats included), withdrawals, two answers deleted with their votes, awards
    # (some keys twice), revokes: all at once, each in its own transaction.
    work = (
        [vote(v, a, rng.randrange(240)) for v, a in rng.choices(pairs, k=25)]
        + [withdraw(v, a) for v, a in rng.choices(pairs, k=20)]
        + [delete_answer(i) for i in (1, 5)]
        + [
            award(rng.choice(members), k, rng.randrange(1, 9), rng.randrange(240))
            for k in rng.choices(keys, k=14)
        ]
        + [revoke(k) for k in rng.sample(keys, 4)]
    )
    rng.shuffle(work)
    await asyncio.gather(*(gated(step) for step in work))
    async with db.unit() as s:  # one more deleted answer, whatever the race above decided
        with_votes = await s.execute(select(col(Vote.answer_id)).where(col(Vote.answer_id) == answer_ids[3]))
        assert with_votes.first() is not None
    await delete_answer(3)
    expected = await recount(db)
    async with db.unit() as s:
        assert await s.get(Answer, answer_ids[3]) is None
    assert sum(v for _, _, v in expected.values()) > 20  # the run left votes to count
    assert len({day for _, _, day in expected}) >= 2  # and more than one day
    assert await kept(db) == expected


async def test_the_migration_back_fills_the_totals_from_the_ledger_and_the_votes(database_url: str) -> None:
    db = Database(database_url)
    try:
        await upgrade(db, "0011_loop")
        async with db.engine.begin() as conn:
            for sql in SEED:
                await conn.execute(text(sql), {"t0": T0, "t1": T0 + dt.timedelta(hours=3)})
        await upgrade(db)
        expected = await recount(db)
        assert expected[(1, 2, T0.date())] == (7, 2, 1)
        assert await kept(db) == expected
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0011_loop"))
            assert not {"memberday", "membertotal"} & set(
                await conn.run_sync(
                    lambda c: c.dialect.get_table_names(c)  # type: ignore[no-any-return]
                )
            )
        await upgrade(db)
        assert await kept(db) == expected
    finally:
        await db.dispose()


VOTE = "INSERT INTO vote (id, space_id, prompt_id, answer_id, voter_id, slot, created_at)"
SEED = [
    "INSERT INTO space (id, platform, external_id, name, created_at) VALUES (1, 'slack', 'T1', '', :t0)",
    "INSERT INTO channel"
    " (id, space_id, external_id, name, timezone, weekdays, pack_id, reminders, created_at)"
    " VALUES (1, 1, 'C1', '', 'UTC', '0,1,2,3,4,5,6', '', false, :t0)",
    *(
        "INSERT INTO member (id, space_id, external_id, display_name, created_at)"
        f" VALUES ({m}, 1, 'U{m}', 'm{m}', :t0)"
        for m in (1, 2, 3)
    ),
    "INSERT INTO promptpost (id, space_id, channel_id, scenario_id, status, reason, created_at)"
    " VALUES (1, 1, 1, 'x', 'open', '', :t0)",
    "INSERT INTO answer (id, space_id, prompt_id, member_id, created_at) VALUES (1, 1, 1, 2, :t0)",
    "INSERT INTO answer (id, space_id, prompt_id, member_id, created_at) VALUES (2, 1, 1, 3, :t0)",
    # Member 2: one vote on 1 March (22:00), one on 2 March (01:00 UTC); member 3: one.
    f"{VOTE} VALUES (1, 1, 1, 1, 1, 1, :t0)",
    f"{VOTE} VALUES (2, 1, 1, 1, 3, 1, :t1)",
    f"{VOTE} VALUES (3, 1, 1, 2, 1, 2, :t1)",
    "INSERT INTO pointevent (space_id, member_id, points, reason, event_key, created_at)"
    " VALUES (1, 2, 5, 'a', 'k1', :t0)",
    "INSERT INTO pointevent (space_id, member_id, points, reason, event_key, created_at)"
    " VALUES (1, 2, 2, 'b', 'k2', :t0)",
    "INSERT INTO pointevent (space_id, member_id, points, reason, event_key, created_at)"
    " VALUES (1, 1, 0, 'c', 'k3', :t1)",
]
