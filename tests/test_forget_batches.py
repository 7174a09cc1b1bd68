"""``/prep forget-me`` for a member with a long history: bounded batches, and a retry that finishes.

The bulk of her rows (votes, answers and replies, points, quiz history) goes a
batch of ``PREPBOT_DELETE_BATCH`` rows a transaction, the rest in one last one.
Every batch commits with the totals and awards it corrects, so a forget that fails
midway (a real database fault: a trigger refusing a delete) leaves exact totals,
and pressing again removes what is left, counting only that.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections import Counter

from sqlalchemy import func, select, text
from sqlmodel import col

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.content import Library
from bot.domain import MemberRef, SpaceRef
from bot.events import ButtonPressed
from bot.features import build_bot
from bot.router import PARTLY_SAVED
from bot.services import forget
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store import forget_batches, ledger
from bot.store.engine import Database
from bot.store.migrate import upgrade
from bot.store.models import Answer, Member, MemberDay, MemberTotal, QuizAttempt, Vote
from bot.store.tenants import ensure_member
from tests.support.console import ephemerals
from tests.support.postgres import PostgresCluster
from tests.test_forget import member_id, points, rows_naming, two_prompts, vote
from tests.test_retention import configure
from tests.test_totals import kept, recount

# What forgetting carol after ``two_prompts`` removes, in the member's words.
ONE_PRESS = Counter(
    {
        "answers to culture prompts": 2,
        "replies in those answers": 2,
        "votes you cast": 2,
        "votes others cast on your answers": 1,
        "point awards": 2,
        "your profile (name, time zone, interview date)": 1,
    }
)


async def _refuse_quiz_deletes(db: Database, *, on: bool) -> None:
    """A real database fault: a trigger that refuses to delete quiz attempts."""
    sqlite = db.url.get_backend_name() == "sqlite"
    async with db.unit() as s:
        if not on:
            await s.execute(text("DROP TRIGGER refuse" + ("" if sqlite else " ON quizattempt")))
        elif sqlite:
            await s.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE DELETE ON quizattempt "
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
                    "CREATE TRIGGER refuse BEFORE DELETE ON quizattempt "
                    "FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )


async def _count(db: Database, stmt: object) -> int:
    async with db.unit() as s:
        return int((await s.execute(stmt)).scalar_one())  # type: ignore[call-overload]


async def _history(session: ConsoleSession) -> None:
    """The prompts of ``two_prompts``, and three quiz answers of carol's: more of each than a batch of 2."""
    await two_prompts(session)
    for _ in range(3):
        await session.push("carol: /prep quiz culture-values")
        await session.push("carol: press 1")


async def carol_forgotten_and_totals_exact(ctx: ServiceContext) -> None:
    """Carol is gone, the running totals match a recount, and the others keep their points."""
    assert await member_id(ctx.db, "carol") is None
    assert await kept(ctx.db) == await recount(ctx.db)
    assert await points(ctx) == {"bob": 7, "dave": 5}


async def test_a_forget_that_fails_midway_leaves_exact_totals_and_pressing_again_finishes_it(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    configure(ctx, delete_batch=2)
    await _history(session)
    carol = await member_id(ctx.db, "carol")
    assert carol is not None
    assert await _count(ctx.db, select(func.count()).where(col(QuizAttempt.member_id) == carol)) == 3
    [ask] = await session.push("carol: /prep forget-me")

    await _refuse_quiz_deletes(ctx.db, on=True)
    [failed] = await session.push("carol: press Forget me", delivery_id="forget-1")
    assert failed.visible_to == "carol" and failed.text == PARTLY_SAVED
    # What went before the fault stays gone (committed batch by batch), with the totals it corrected.
    assert await _count(ctx.db, select(func.count()).where(col(Vote.voter_id) == carol)) == 0
    assert await _count(ctx.db, select(func.count()).where(col(Answer.member_id) == carol)) == 0
    assert await _count(ctx.db, select(func.count()).where(col(QuizAttempt.member_id) == carol)) == 3
    assert await member_id(ctx.db, "carol") == carol
    assert await kept(ctx.db) == await recount(ctx.db)
    standing = await points(ctx)
    assert (standing["bob"], standing["dave"]) == (7, 5)  # bob's P1 award lost what carol's vote earned

    # The fault is gone; pressing again (a new delivery) removes the rest, and says what that was.
    await _refuse_quiz_deletes(ctx.db, on=False)
    [done] = await session.push("carol: press Forget me on " + ask.ref.id)
    assert done.text.startswith("Done: prepbot has forgotten you")
    assert "quiz and challenge answers: 3" in done.text
    assert "votes you cast" not in done.text and "answers to culture prompts" not in done.text
    assert "point awards" not in done.text  # gone before the fault, with her totals
    assert await rows_naming(ctx.db, carol) == {}
    await carol_forgotten_and_totals_exact(ctx)


async def test_each_batch_deletes_at_most_its_size_and_together_they_count_what_one_transaction_did(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    await _history(session)
    carol = await member_id(ctx.db, "carol")
    assert carol is not None
    total: Counter[str] = Counter()
    while True:
        async with ctx.db.unit() as s:
            counts, _ = await forget_batches.forget_batch(s, member_id=carol, limit=2)
        if not counts:
            break
        assert 0 < sum(counts.values()) <= 2
        assert await kept(ctx.db) == await recount(ctx.db)  # exact after every batch
        total += counts
    assert total["votes you cast"] == 2 and total["votes others cast on your answers"] == 1
    assert total["answers to culture prompts"] == 2 and total["replies in those answers"] == 2
    assert total["quiz and challenge answers"] == 3 and total["point awards"] >= 2
    # Redone (a press after an interrupted one), a batch finds nothing of what went.
    async with ctx.db.unit() as s:
        assert await forget_batches.forget_batch(s, member_id=carol, limit=2) == (Counter(), Counter())


def _removed(answer: str) -> Counter[str]:
    """The counts a Forget me answer lists (the profile counts 1)."""
    lines = (line[2:].partition(": ") for line in answer.splitlines() if line.startswith("• "))
    return Counter({kind: int(n or 1) for kind, _, n in lines})


async def test_two_presses_at_once_forget_once_and_each_says_what_it_removed(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    """Two deliveries of Forget me at once (two devices or replicas), a row a batch so their batches mix."""
    configure(ctx, delete_batch=1)
    await two_prompts(session)
    [ask] = await session.push("carol: /prep forget-me")
    button = ask.message.buttons[0]
    carol = session.member("carol")
    presses = [
        session.bot.handle(
            ButtonPressed(f"race-{n}", ask.ref.channel, carol, button.action, button.value, ask.ref),
            session.chat,
        )
        for n in (1, 2)
    ]
    await asyncio.gather(*presses)
    # Each says what it removed, one perhaps nothing; together, what one press would have.
    removed: Counter[str] = Counter()
    for answer in [s.text for s in ephemerals(session, "carol")[-2:]]:
        assert answer.startswith(("Done: prepbot has forgotten you", "There is nothing left to remove")), (
            answer
        )
        removed += _removed(answer)
    assert removed == ONE_PRESS
    await carol_forgotten_and_totals_exact(ctx)


async def test_a_press_whose_batches_ran_before_another_press_finished_says_what_they_removed(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    await two_prompts(session)
    carol = await member_id(ctx.db, "carol")
    assert carol is not None
    async with ctx.db.unit() as s:
        space_id = (await s.execute(select(col(Member.space_id)).where(col(Member.id) == carol))).scalar_one()
    # The first press removes the bulk in its batches (committed), then another press finishes.
    first = await forget.forget_in_batches(ctx.db, space_id=space_id, member_id=carol, batch=2)
    [ask] = await session.push("carol: /prep forget-me")
    [second] = await session.push("carol: press Forget me")
    assert second.text.startswith("Done: prepbot has forgotten you")
    assert _removed(second.text) == Counter({"your profile (name, time zone, interview date)": 1})
    # The first press's last transaction finds her gone: it says what its batches removed.
    told = await forget.forget_rest(ctx.db, space_id=space_id, member_id=carol, removed=first)
    assert told is not None and Counter(told) + _removed(second.text) == ONE_PRESS
    # A press that removed nothing at all still finds nothing to forget.
    assert await forget.forget_all(ctx.db, space_id=space_id, member_id=carol) is None
    assert await kept(ctx.db) == await recount(ctx.db)


async def _forget_batch(db: Database, member_id: int, pid: asyncio.Future[int]) -> Counter[str]:
    async with db.unit() as s:
        pid.set_result(int((await s.execute(text("SELECT pg_backend_pid()"))).scalar_one()))
        counts, _ = await forget_batches.forget_batch(s, member_id=member_id, limit=10)
    return counts


async def _waiting_batch(db: Database, member_id: int) -> asyncio.Task[Counter[str]]:
    """A forget batch started in a task, once PostgreSQL says it waits for a lock (10 s at most)."""
    pid: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    forgetting = asyncio.create_task(_forget_batch(db, member_id, pid))
    blocked = text("SELECT cardinality(pg_blocking_pids(:pid)) > 0")
    for _ in range(200):
        async with db.unit() as s:
            if pid.done() and (await s.execute(blocked, {"pid": pid.result()})).scalar_one():
                break
        await asyncio.sleep(0.05)
    assert not forgetting.done()
    return forgetting


async def test_on_postgresql_a_batch_of_point_awards_and_an_award_at_once_never_wait_in_a_cycle(
    postgres: PostgresCluster,
) -> None:
    """The batch takes every day row of the member before their all-time row, as an award does (day first)."""
    first, second = (dt.datetime(2026, 1, d, 9, tzinfo=dt.UTC) for d in (5, 6))
    db = Database(postgres.new_database())
    try:
        await upgrade(db)
        async with db.unit() as s:
            carol = await ensure_member(s, ref=MemberRef(SpaceRef("slack", "T1"), "carol"))
            assert carol.id is not None
            space_id, mid = carol.space_id, carol.id
            for n, at in enumerate((first, second)):
                await ledger.award(
                    s, space_id=space_id, member_id=mid, points=5, reason="x", key=f"k{n}", at=at
                )
        async with db.unit() as award:
            # An award on the second day, half done: its day row taken, its all-time row not yet.
            await award.execute(text("SET LOCAL lock_timeout = '20s'"))  # a cycle fails fast instead
            day = (col(MemberDay.member_id) == mid, col(MemberDay.day) == second.date())
            await award.execute(select(col(MemberDay.points)).where(*day).with_for_update())
            forgetting = await _waiting_batch(db, mid)  # for that day row
            # The award goes on to the all-time row, which the waiting batch must not hold.
            await ledger.award(
                award, space_id=space_id, member_id=mid, points=1, reason="x", key="k2", at=second
            )
        assert await forgetting == Counter({"point awards": 2})
        assert await kept(db) == await recount(db)
    finally:
        await db.dispose()


async def test_on_postgresql_a_batch_of_votes_cast_and_a_vote_at_once_never_wait_in_a_cycle(
    postgres: PostgresCluster, library: Library
) -> None:
    """Carol's votes for bob on two days: his day rows go before his all-time row, as in a vote's batch."""
    db, clock = Database(postgres.new_database()), ManualClock()
    try:
        await upgrade(db)
        ctx = ServiceContext(db=db, library=library, clock=clock, settings=Settings(), rng=random.Random(7))
        session = ConsoleSession(build_bot(ctx), clock)
        session.admins.add("alice")
        for _ in range(2):
            await session.push("alice: /prep prompt")
            await session.push(
                "bob: reply I would roll back first, then read the logs with the on-call engineer."
            )
            await vote(session, "carol", 1)
            await session.push("alice: /prep reveal")
            clock.advance(dt.timedelta(days=1))
        bob, carol = await member_id(db, "bob"), await member_id(db, "carol")
        assert bob is not None and carol is not None
        second = (clock.now() - dt.timedelta(days=1)).date()
        async with db.unit() as other:
            # A vote for bob on the second day, half done: his day row taken, his all-time row not yet.
            await other.execute(text("SET LOCAL lock_timeout = '20s'"))  # a cycle fails fast instead
            day = (col(MemberDay.member_id) == bob, col(MemberDay.day) == second)
            assert (
                await other.execute(select(col(MemberDay.votes)).where(*day).with_for_update())
            ).scalar_one()
            forgetting = await _waiting_batch(db, carol)  # for that day row
            # The vote goes on to bob's all-time row, which the waiting batch must not hold.
            await other.execute(
                select(col(MemberTotal.votes)).where(col(MemberTotal.member_id) == bob).with_for_update()
            )
        assert await forgetting == Counter({"votes you cast": 2})
        assert await kept(db) == await recount(db)
    finally:
        await db.dispose()
