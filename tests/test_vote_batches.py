"""Vote clicks written together (group commit) on real SQLite and PostgreSQL: each keeps its own fate.

Presses queued at the same moment share one transaction (``bot.store.shared``);
these tests hold that a failing press fails alone, that a delivery retried inside
one batch is recorded once, and that two processes on one database (two
``Database`` objects) still count every vote once, within budget, with exact totals.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Sequence

from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.events import ButtonPressed
from bot.features import build_bot
from bot.render import OutboundMessage
from bot.services.context import ServiceContext
from bot.services.votes import VOTE_ACTION
from bot.store.claims import ClaimRow
from bot.store.engine import Database
from bot.store.models import Answer, Delivery, MemberTotal, Vote
from bot.store.shared import Shared
from bot.store.tickets import Redelivered, Ticket
from bot.store.votes import TOGGLES, Press, Toggled
from tests.support.votes import open_ballot

SPACE = SpaceRef("console", "batches")
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Whispers:
    """The platform as the Vote click uses it: private answers, kept in order."""

    def __init__(self) -> None:
        self.said: list[str] = []

    async def whisper(self, channel: ChannelRef, member: MemberRef, message: OutboundMessage) -> None:
        self.said.append(message.text)


def press(voter: str, prompt_id: int, answer_id: int, budget: int = 2) -> Press:
    return Press(MemberRef(SPACE, voter), prompt_id, answer_id, budget, AT)


def ticket(key: str) -> Ticket:
    return Ticket(SPACE, None, key, AT)


async def count(db: Database, model: type) -> int:
    async with db.unit() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def totals_match_votes(db: Database) -> None:
    """Every author's all-time vote total equals a recount of the votes on their answers."""
    async with db.unit() as s:
        recount = dict(
            (
                await s.execute(
                    select(col(Answer.member_id), func.count())
                    .join(Vote, col(Vote.answer_id) == col(Answer.id))
                    .group_by(col(Answer.member_id))
                )
            ).all()
        )
        kept = {
            m: n
            for m, n in (await s.execute(select(col(MemberTotal.member_id), col(MemberTotal.votes)))).all()
            if n
        }
    assert kept == recount


async def _fail_votes_of(db: Database, voter_id: int) -> None:
    """A real database error for one voter's vote: a trigger that aborts the insert."""
    async with db.unit() as s:
        if db.engine.dialect.name == "sqlite":
            await s.execute(
                text(
                    f"CREATE TRIGGER boom BEFORE INSERT ON vote WHEN NEW.voter_id = {voter_id} "
                    "BEGIN SELECT RAISE(ABORT, 'boom'); END"
                )
            )
        else:
            await s.execute(
                text(
                    "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.voter_id = {voter_id} THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$ "
                    "LANGUAGE plpgsql"
                )
            )
            await s.execute(
                text("CREATE TRIGGER boom BEFORE INSERT ON vote FOR EACH ROW EXECUTE FUNCTION boom()")
            )


async def test_a_press_that_fails_fails_alone_and_the_rest_of_its_batch_is_recorded(db: Database) -> None:
    voters = [f"v{i}" for i in range(6)]
    ballot = await open_ballot(db, space=SPACE.id, answers=3, voters=voters)
    await _fail_votes_of(db, ballot.voter_ids[2])
    outcomes = await asyncio.gather(
        *(
            db.shared(TOGGLES, press(v, ballot.prompt_id, ballot.answer_ids[0]), ticket=ticket(f"btn:{v}"))
            for v in voters
        ),
        return_exceptions=True,
    )
    failed = [o for o in outcomes if isinstance(o, Exception)]
    assert len(failed) == 1 and not isinstance(failed[0], Redelivered)
    assert isinstance(outcomes[2], Exception)
    assert all(isinstance(o, Toggled) and o.cast for i, o in enumerate(outcomes) if i != 2)
    assert await count(db, Vote) == 5
    # The failed press's claim rolled back with it: the platform's retry may try again.
    assert await count(db, Delivery) == 5
    await totals_match_votes(db)


async def test_a_delivery_retried_inside_one_batch_is_recorded_once(db: Database) -> None:
    ballot = await open_ballot(db, space=SPACE.id, answers=2, voters=["ada", "bob"])
    same = press("ada", ballot.prompt_id, ballot.answer_ids[0])
    outcomes = await asyncio.gather(
        db.shared(TOGGLES, same, ticket=ticket("btn:1")),
        db.shared(TOGGLES, same, ticket=ticket("btn:1")),  # the platform's retry, at the same moment
        db.shared(TOGGLES, press("bob", ballot.prompt_id, ballot.answer_ids[1]), ticket=ticket("btn:2")),
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], Toggled) and outcomes[0].cast
    assert isinstance(outcomes[1], Redelivered)  # not a withdrawal of the vote just cast
    assert isinstance(outcomes[2], Toggled) and outcomes[2].cast
    assert await count(db, Vote) == 2 and await count(db, Delivery) == 2
    await totals_match_votes(db)


async def test_clicks_pressed_at_once_through_the_router_are_each_answered(
    ctx: ServiceContext, db: Database
) -> None:
    ballot = await open_ballot(db, space=SPACE.id, answers=4, voters=[f"v{i}" for i in range(8)])
    bot, chat = build_bot(ctx), Whispers()
    where = ChannelRef(SPACE, "general")
    events = [
        ButtonPressed(
            f"d{v}-{a}", where, MemberRef(SPACE, f"v{v}"), VOTE_ACTION, f"{ballot.prompt_id}:{answer}"
        )
        for v in range(8)
        for a, answer in enumerate(ballot.answer_ids[:3])
    ]
    events.append(events[0])  # a re-delivery among them
    await asyncio.gather(*(bot.handle(event, chat) for event in events))  # type: ignore[arg-type]
    said = chat.said
    assert sum("recorded" in t for t in said) == 16  # two votes each
    assert sum("used your 2 votes" in t for t in said) == 8  # the third press of each voter
    assert len(said) == 24  # the re-delivery said nothing
    assert await count(db, Vote) == 16
    await totals_match_votes(db)


async def test_two_processes_pressing_at_once_count_each_vote_once_within_budget(
    db: Database, database_url: str
) -> None:
    budget = 2
    voters = [f"v{i}" for i in range(12)]
    ballot = await open_ballot(db, space=SPACE.id, answers=5, voters=voters)
    other = Database(database_url)  # a second replica on the same database
    rng = random.Random(11)
    presses = [(rng.choice(voters), rng.choice(ballot.answer_ids), rng.randrange(40)) for _ in range(160)]
    try:
        outcomes = await asyncio.gather(
            *(
                (db if n % 2 else other).shared(
                    TOGGLES,
                    press(v, ballot.prompt_id, a, budget),
                    ticket=ticket(f"btn:{v}:{a}:{k}"),  # the same delivery may reach both replicas
                )
                for n, (v, a, k) in enumerate(presses)
            ),
            return_exceptions=True,
        )
    finally:
        await other.dispose()
    assert not [o for o in outcomes if not isinstance(o, Toggled | Redelivered)]
    keys = {(v, a, k) for v, a, k in presses}
    assert await count(db, Delivery) == len(keys)
    async with db.unit() as s:
        per_voter = (
            await s.execute(select(col(Vote.voter_id), func.count()).group_by(col(Vote.voter_id)))
        ).all()
        slots = (await s.execute(select(col(Vote.voter_id), col(Vote.slot)))).all()
    assert all(n <= budget for _, n in per_voter)
    assert len(set(slots)) == len(slots)
    toggles = sum(1 for o in outcomes if isinstance(o, Toggled) and (o.cast or o.withdrawn))
    casts = sum(1 for o in outcomes if isinstance(o, Toggled) and o.cast)
    assert toggles > 0 and await count(db, Vote) == casts - (toggles - casts)
    await totals_match_votes(db)


async def test_a_voter_never_seen_votes_once_and_their_retry_in_the_next_batch_is_dropped(
    db: Database,
) -> None:
    # Their first action is the click: no member row yet, so no seat in the batch's read;
    # the claim recorded with it still tells the retry apart from a second press.
    ballot = await open_ballot(db, space=SPACE.id, answers=2, voters=["ada"])
    first = await asyncio.gather(
        db.shared(TOGGLES, press("newcomer", ballot.prompt_id, ballot.answer_ids[0]), ticket=ticket("btn:n")),
        db.shared(TOGGLES, press("ada", ballot.prompt_id, ballot.answer_ids[1]), ticket=ticket("btn:a")),
    )
    assert all(isinstance(o, Toggled) and o.cast for o in first)
    retried = await asyncio.gather(
        db.shared(TOGGLES, press("newcomer", ballot.prompt_id, ballot.answer_ids[0]), ticket=ticket("btn:n")),
        db.shared(TOGGLES, press("ada", ballot.prompt_id, ballot.answer_ids[1]), ticket=ticket("btn:a2")),
        return_exceptions=True,
    )
    assert isinstance(retried[0], Redelivered)  # not a withdrawal of the newcomer's vote
    assert isinstance(retried[1], Toggled) and retried[1].withdrawn  # ada's second press, a new delivery
    assert await count(db, Vote) == 1 and await count(db, Delivery) == 3
    await totals_match_votes(db)


async def test_a_call_held_back_by_a_batch_being_written_starts_no_idle_lanes(db: Database) -> None:
    # The same member's second press waits for the batch with their first. Until that
    # batch commits, no other lane may start, find nothing it can take, and start the next.
    release = asyncio.Event()
    started = asyncio.Event()

    async def run(
        session: AsyncSession, items: Sequence[str], claims: Sequence[ClaimRow | None]
    ) -> list[str | None]:
        started.set()
        await release.wait()
        return list(items)  # no claims come with these calls: none to record

    work: Shared[str, str] = Shared("held back", run, conflict=lambda item: item.split(":")[0])
    first = asyncio.create_task(db.shared(work, "v:1"))
    await started.wait()
    group = db._groups[work]
    lanes_started = 0
    open_lane = group._open_lane

    def counted() -> None:
        nonlocal lanes_started
        lanes_started += 1
        open_lane()

    group._open_lane = counted  # type: ignore[method-assign]
    second = asyncio.create_task(db.shared(work, "v:2"))
    try:
        for _ in range(200):  # loop passes in which a spinning lane would start again and again
            await asyncio.sleep(0)
        assert lanes_started == 0 and not second.done()
    finally:
        release.set()
    assert await first == "v:1" and await second == "v:2"  # the first lane came back for it
