"""The Vote click as one statement on PostgreSQL: what it settles, and what it leaves untouched.

``bot.store.vote_statement`` runs a batch of presses as one statement of its own.
A press whose write finds the world changed since the statement's read (another
transaction withdrew the vote, took the slot, closed the voting) must be left
unwritten and unclaimed, and the transaction path must then do what the press
asks. Each test writes in another transaction and keeps it open, starts the press
(whose read comes before that write commits), waits until PostgreSQL reports the
press blocked on the write, then commits.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.domain import MemberRef, SpaceRef
from bot.store.claims import ClaimRow
from bot.store.engine import Database
from bot.store.models import Delivery, Member, Vote
from bot.store.shared import Shared
from bot.store.tickets import LATER, Later, Redelivered, Ticket
from bot.store.vote_statement import toggle_alone
from bot.store.votes import CLOSED, TOGGLES, Press, Toggled, insert_vote_if_open, withdraw_vote_if_open
from tests.support.postgres import PostgresCluster
from tests.support.votes import Ballot, cast, open_ballot
from tests.test_vote_batches import totals_match_votes

T = TypeVar("T")
SPACE = SpaceRef("console", "alone")
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
async def pg(postgres: PostgresCluster) -> AsyncIterator[Database]:
    url = postgres.new_database()
    postgres.migrated_database(url)
    db = Database(url)
    try:
        yield db
    finally:
        await db.dispose()


class Counted:
    """The Vote click's shared work, counting the batches each way takes; its statement fails on demand."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.statements = self.transactions = 0
        self.fail = fail
        self.work: Shared[Press, Toggled] = Shared(
            "counted toggle", self._run, TOGGLES.conflict, alone=self._alone
        )

    async def _run(
        self, session: AsyncSession, presses: Sequence[Press], claims: Sequence[ClaimRow | None]
    ) -> Sequence[Toggled | None]:
        self.transactions += 1
        return await TOGGLES.run(session, presses, claims)

    async def _alone(
        self, session: AsyncSession, presses: Sequence[Press], claims: Sequence[ClaimRow | None]
    ) -> Sequence[Toggled | None | Later]:
        self.statements += 1
        if self.fail is not None:
            raise self.fail
        return await toggle_alone(session, presses, claims)


def press(voter: str, ballot: Ballot, answer: int) -> Press:
    return Press(MemberRef(SPACE, voter), ballot.prompt_id, ballot.answer_ids[answer], 2, AT)


async def space_id(db: Database) -> int:
    async with db.unit() as s:
        return int((await s.execute(select(col(Member.space_id)).limit(1))).scalar_one())


async def ticket(db: Database, key: str) -> Ticket:
    """A claim whose space's row id is known, as after a process's first click: the statement's way."""
    return Ticket(SPACE, await space_id(db), key, AT)


async def until_blocked(db: Database, work: asyncio.Future[Any]) -> None:
    """Wait (10 s at most) until some connection of the test's database waits for a lock."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0"
    )
    for _ in range(200):
        async with db.unit() as s:
            if (await s.execute(waiting)).scalar_one():
                return
        assert not work.done(), work.result()
        await asyncio.sleep(0.05)
    raise AssertionError("the press never waited for the other transaction")


async def held_while(
    db: Database, write: Callable[[AsyncSession], Awaitable[object]], start: Callable[[], Awaitable[T]]
) -> T:
    """Do ``write`` in another transaction, then ``start`` the work; commit once it waits; its result."""
    async with db.unit() as other:
        await write(other)
        work = asyncio.ensure_future(start())
        await until_blocked(db, work)
    return await work


def sql(statement: str) -> Callable[[AsyncSession], Awaitable[object]]:
    return lambda session: session.execute(text(statement))


async def votes_of(db: Database, voter: int) -> list[tuple[int, int]]:
    async with db.unit() as s:
        rows = await s.execute(
            select(col(Vote.answer_id), col(Vote.slot)).where(col(Vote.voter_id) == voter).order_by("slot")
        )
        return [(int(a), int(slot)) for a, slot in rows.all()]


async def test_a_withdrawal_whose_vote_went_meanwhile_is_cast_by_the_transaction(pg: Database) -> None:
    ballot = await open_ballot(pg, space=SPACE.id, answers=2, voters=["ada"])
    ada, answer = ballot.voter_ids[0], ballot.answer_ids[0]
    assert await cast(pg, prompt_id=ballot.prompt_id, answer_id=answer, voter_id=ada)
    claim, toggles = await ticket(pg, "b1"), Counted()
    # Her earlier press's withdrawal commits after the statement read her vote.
    withdraw = {"prompt_id": ballot.prompt_id, "answer_id": answer, "voter_id": ada}
    outcome = await held_while(
        pg,
        lambda other: withdraw_vote_if_open(other, **withdraw),
        lambda: pg.shared(toggles.work, press("ada", ballot, 0), ticket=claim),
    )
    assert (toggles.statements, toggles.transactions) == (1, 1)
    # The statement found no vote to delete and left the press; the transaction toggled it on.
    assert isinstance(outcome, Toggled) and outcome.cast and not outcome.withdrawn
    assert await votes_of(pg, ada) == [(answer, 1)]
    await totals_match_votes(pg)


async def test_a_cast_whose_slot_was_taken_meanwhile_takes_the_next_one(pg: Database) -> None:
    ballot = await open_ballot(pg, space=SPACE.id, answers=2, voters=["ada"])
    ada = ballot.voter_ids[0]
    claim, toggles = await ticket(pg, "b1"), Counted()
    # Another replica casts her vote for the first answer into slot 1.
    first = {"prompt_id": ballot.prompt_id, "answer_id": ballot.answer_ids[0], "voter_id": ada, "budget": 2}
    outcome = await held_while(
        pg,
        lambda other: insert_vote_if_open(other, **first),
        lambda: pg.shared(toggles.work, press("ada", ballot, 1), ticket=claim),
    )
    assert (toggles.statements, toggles.transactions) == (1, 1)
    assert isinstance(outcome, Toggled) and outcome.cast and outcome.left == 0
    assert await votes_of(pg, ada) == [(ballot.answer_ids[0], 1), (ballot.answer_ids[1], 2)]
    await totals_match_votes(pg)


async def test_a_cast_behind_the_reveal_is_refused_as_closed(pg: Database) -> None:
    ballot = await open_ballot(pg, space=SPACE.id, answers=2, voters=["ada"])
    claim, toggles = await ticket(pg, "b1"), Counted()
    outcome = await held_while(
        pg,
        sql(f"UPDATE promptpost SET status = 'closed' WHERE id = {ballot.prompt_id}"),
        lambda: pg.shared(toggles.work, press("ada", ballot, 0), ticket=claim),
    )
    assert (toggles.statements, toggles.transactions) == (1, 1)
    assert isinstance(outcome, Toggled) and outcome.refused == CLOSED and not outcome.cast
    assert await votes_of(pg, ballot.voter_ids[0]) == []


async def test_a_press_the_statement_leaves_is_neither_written_nor_claimed(pg: Database) -> None:
    ballot = await open_ballot(pg, space=SPACE.id, answers=2, voters=["ada", "bob"])
    ada, bob = ballot.voter_ids
    space = await space_id(pg)
    presses = [press("ada", ballot, 1), press("bob", ballot, 1)]
    claims = [(space, "ada-press", AT), (space, "bob-press", AT)]
    async with pg.engine.connect() as connection:
        lane = AsyncSession(bind=connection)
        ada_outcome, bob_outcome = await held_while(
            pg,
            sql(
                "INSERT INTO vote (space_id, prompt_id, answer_id, voter_id, slot, created_at) "
                f"VALUES ({space}, {ballot.prompt_id}, {ballot.answer_ids[0]}, {ada}, 1, now())"
            ),
            lambda: toggle_alone(lane, presses, claims),
        )
        await lane.close()
    assert ada_outcome is LATER
    assert isinstance(bob_outcome, Toggled) and bob_outcome.cast and bob_outcome.left == 1
    async with pg.unit() as s:
        keys = (await s.execute(select(col(Delivery.key)).order_by("key"))).scalars().all()
        vote_count = (await s.execute(select(func.count()).select_from(Vote))).scalar_one()
    assert keys == ["bob-press"]  # ada's press: no claim, so the transaction way can still take it
    assert vote_count == 2  # the other replica's and bob's
    assert await votes_of(pg, bob) == [(ballot.answer_ids[1], 1)]


async def test_clicks_on_a_quiet_ballot_are_settled_by_the_statement_alone(pg: Database) -> None:
    ballot = await open_ballot(pg, space=SPACE.id, answers=2, voters=["ada", "bob", "cy"])
    toggles, space = Counted(), await space_id(pg)
    # A process's first click in a space finds the space's row id: the transaction's way.
    first = await pg.shared(toggles.work, press("ada", ballot, 0), ticket=Ticket(SPACE, None, "k0", AT))
    assert first.cast and (toggles.statements, toggles.transactions) == (0, 1)
    outcomes = await asyncio.gather(
        *(
            pg.shared(toggles.work, press(voter, ballot, 1), ticket=Ticket(SPACE, space, f"k-{voter}", AT))
            for voter in ("ada", "bob", "cy")
        )
    )
    assert all(o.cast for o in outcomes) and [o.left for o in outcomes] == [0, 1, 1]
    assert toggles.transactions == 1 and toggles.statements >= 1
    again = pg.shared(toggles.work, press("bob", ballot, 1), ticket=Ticket(SPACE, space, "k-bob", AT))
    with pytest.raises(Redelivered):
        await again
    await totals_match_votes(pg)


@pytest.mark.parametrize("lost", [False, True])
async def test_a_failed_statement_leaves_claimed_clicks_to_the_transaction(pg: Database, lost: bool) -> None:
    """Refused by the database: nothing was written, all go the long way. Lost: it may have committed."""
    ballot = await open_ballot(pg, space=SPACE.id, answers=2, voters=["ada", "bob"])
    space = await space_id(pg)
    failure = DBAPIError("the statement", None, ConnectionError("gone"), connection_invalidated=lost)
    toggles = Counted(fail=failure)
    claimed, unclaimed = await asyncio.gather(
        pg.shared(toggles.work, press("ada", ballot, 0), ticket=Ticket(SPACE, space, "k-ada", AT)),
        pg.shared(toggles.work, press("bob", ballot, 0)),  # no claim: it could not tell it was written
        return_exceptions=True,
    )
    assert toggles.statements == 1  # one batch, both presses
    assert isinstance(claimed, Toggled) and claimed.cast
    if lost:
        assert unclaimed is failure
        assert await votes_of(pg, ballot.voter_ids[1]) == []
    else:
        assert isinstance(unclaimed, Toggled) and unclaimed.cast


async def test_a_statement_whose_connection_dies_leaves_claimed_clicks_to_the_transaction(
    pg: Database,
) -> None:
    """The connection lost in the middle of the statement: it may have committed, so only claims tell."""
    ballot = await open_ballot(pg, space=SPACE.id, answers=2, voters=["ada", "bob"])
    space, toggles = await space_id(pg), Counted()
    blocked = (
        "SELECT pid FROM pg_stat_activity "
        "WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0"
    )
    async with pg.unit() as other:
        # The reveal's lock: the statement's votes wait for it, then their backend is cut off.
        await other.execute(text(f"SELECT id FROM promptpost WHERE id = {ballot.prompt_id} FOR UPDATE"))
        work = asyncio.gather(
            pg.shared(toggles.work, press("ada", ballot, 0), ticket=Ticket(SPACE, space, "k-ada", AT)),
            pg.shared(toggles.work, press("bob", ballot, 0)),
            return_exceptions=True,
        )
        await until_blocked(pg, work)
        [pid] = (await other.execute(text(blocked))).scalars().all()
        await other.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
    claimed, unclaimed = await work
    assert toggles.statements == 1 and toggles.transactions == 1
    assert isinstance(claimed, Toggled) and claimed.cast  # the transaction found no claim, and cast it
    assert isinstance(unclaimed, DBAPIError) and unclaimed.connection_invalidated
    assert await votes_of(pg, ballot.voter_ids[1]) == []
    await totals_match_votes(pg)
