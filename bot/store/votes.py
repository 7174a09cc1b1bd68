"""Votes: a ballot press toggles a vote, for a batch of presses in a few set-based statements.

:data:`TOGGLES` is the Vote click as shared work (``bot.store.shared``): the
presses queued while a batch was being written go together, in one transaction
with their delivery claims, and each press gets its own outcome. The rules live
here once, in SQL, whatever the batch's size (one, when the bot is quiet): the
voter must not be the author, the prompt must be open when the write runs (so a
reveal that lands after the checks wins), and the unique keys (answer, voter) and
(prompt, voter, slot) keep a vote exactly-once and within the voter's budget,
whatever the platforms re-deliver and however two replicas race. The batch's
read that comes first (each press's seat, with its delivery claim) is in
``bot.store.ballot_reads``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Integer, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from bot.domain import MemberRef
from bot.store import totals
from bot.store.ballot_reads import Seat, claim_and_seat, free_slot
from bot.store.ballot_reads import seats as read_seats
from bot.store.claims import ClaimRow
from bot.store.enums import PromptStatus
from bot.store.models import Vote
from bot.store.shared import Shared
from bot.store.sql import Rows
from bot.store.tenants import ensure_member
from bot.store.vote_statement import toggle_alone

OPEN = PromptStatus.OPEN
# Why a press changed nothing before any write was tried (the service words each).
NO_PROMPT, CLOSED, NO_ANSWER, OWN_ANSWER = "no prompt", "closed", "no answer", "own answer"


@dataclass(frozen=True)
class Press:
    """One press of an answer's button on a ballot: vote for it, or withdraw the vote given."""

    voter: MemberRef
    prompt_id: int
    answer_id: int
    budget: int  # the voter's votes on one prompt
    at: dt.datetime


@dataclass(frozen=True)
class Toggled:
    """What a press did. Neither withdrawn nor cast: no vote left, or voting closed meanwhile.

    ``refused`` names a check that failed before any write (``NO_PROMPT``…); ``number``
    is the answer's place in its thread and ``left`` the voter's votes left after it.
    """

    refused: str | None
    withdrawn: bool
    cast: bool
    number: int
    left: int


async def toggle_votes(
    session: AsyncSession, presses: Sequence[Press], claims: Sequence[ClaimRow | None]
) -> list[Toggled | None]:
    """Toggle each press's vote in the session's transaction; at most one press per voter.

    Each press's delivery claim is recorded first (on PostgreSQL in the statement that
    reads the seats); a press whose delivery was claimed before does nothing (None).
    """
    seats, fresh = await claim_and_seat(session, presses, claims)
    live = [i for i in range(len(presses)) if fresh[i]]
    unknown = [i for i in live if i not in seats]
    if unknown:  # never seen: their row is made as on any first action
        for i in unknown:
            await ensure_member(session, ref=presses[i].voter)
        seats.update(await read_seats(session, presses, unknown))
    refused = {i: refusal(seats[i]) for i in live}
    wanted = {
        i: _Cast(presses[i].prompt_id, presses[i].answer_id, seats[i].voter, presses[i].budget, presses[i].at)
        for i in live
        if refused[i] is None
    }
    # Only a press whose vote was there when read withdraws: most presses skip the statement.
    mine = [(c.prompt_id, c.answer_id, c.voter_id) for i, c in wanted.items() if seats[i].voted]
    gone = await _withdraw(session, mine)
    withdrawn = {(answer, voter) for answer, voter, _ in gone}
    to_cast = [i for i, c in wanted.items() if (c.answer_id, c.voter_id) not in withdrawn]
    tried = await _cast(session, [wanted[i] for i in to_cast], [seats[i].free for i in to_cast])
    cast = {to_cast[j] for j in tried}
    changes: Counter[tuple[int, dt.date]] = Counter()
    for answer, _, at in gone:
        changes[(answer, totals.day_of(at))] -= 1
    for i in cast:
        changes[(presses[i].answer_id, totals.day_of(presses[i].at))] += 1
    # The authors' running totals move in the same transaction as the votes.
    await totals.add_vote_changes(session, changes=changes)
    out: list[Toggled | None] = []
    for i, press in enumerate(presses):
        if not fresh[i]:
            out.append(None)
            continue
        seat, out_of = seats[i], (press.answer_id, seats[i].voter) in withdrawn
        used = seat.used + (i in cast) - out_of
        out.append(Toggled(refused[i], out_of, i in cast, seat.number, max(0, press.budget - used)))
    return out


TOGGLES: Shared[Press, Toggled] = Shared(
    "vote toggle",
    toggle_votes,
    conflict=lambda p: (p.voter.space.platform, p.voter.space.id, p.voter.id),
    alone=toggle_alone,  # PostgreSQL: most batches in one statement, the rest through toggle_votes
)


async def insert_vote_if_open(
    session: AsyncSession,
    *,
    prompt_id: int,
    answer_id: int,
    voter_id: int,
    budget: int,
    at: dt.datetime | None = None,
) -> bool:
    """Cast a vote into the voter's first free slot (1..``budget``) while the prompt is open.

    False when nothing was inserted (closed, duplicate, or no vote left). The
    author's running total moves in the same transaction.
    """
    stamp = at or dt.datetime.now(dt.UTC)
    if not await _cast(session, [_Cast(prompt_id, answer_id, voter_id, budget, stamp)], None):
        return False
    await totals.add_vote_changes(session, changes={(answer_id, totals.day_of(stamp)): 1})
    return True


async def withdraw_vote_if_open(
    session: AsyncSession, *, prompt_id: int, answer_id: int, voter_id: int
) -> bool:
    """Delete one vote while its prompt is open; True when there was one (after the reveal: never).

    The author's running total for the vote's day goes down in the same transaction.
    """
    gone = await _withdraw(session, [(prompt_id, answer_id, voter_id)])
    days = Counter(totals.day_of(at) for _, _, at in gone)
    await totals.add_vote_changes(session, changes={(answer_id, day): -n for day, n in days.items()})
    return bool(gone)


async def votes_left(session: AsyncSession, *, prompt_id: int, voter_id: int, budget: int) -> int:
    """How many of their ``budget`` votes the voter has not used on this prompt."""
    stmt = select(func.count()).where(col(Vote.prompt_id) == prompt_id, col(Vote.voter_id) == voter_id)
    return max(0, budget - int((await session.execute(stmt)).scalar_one()))


@dataclass(frozen=True)
class _Cast:
    prompt_id: int
    answer_id: int
    voter_id: int
    budget: int
    at: dt.datetime


def refusal(seat: Seat) -> str | None:
    """Why a press on this seat changes nothing before any write (None: it may vote or withdraw)."""
    if seat.status is None:
        return NO_PROMPT
    if seat.status != OPEN:
        return CLOSED
    if seat.author is None:
        return NO_ANSWER
    return OWN_ANSWER if seat.author == seat.voter else None


_PAIRS = Rows("w", (("prompt_id", Integer()), ("answer_id", Integer()), ("voter_id", Integer())))
# FOR SHARE (PostgreSQL), as for a vote: a withdrawal is ordered against the reveal of its
# prompt; taken through the batch's own prompts, so no plan locks any other.
_WITHDRAW = (
    "DELETE FROM vote WHERE vote.id IN (SELECT given.id FROM w JOIN vote AS given "
    "ON given.answer_id = w.answer_id AND given.voter_id = w.voter_id AND given.prompt_id = w.prompt_id) "
    "AND vote.prompt_id IN (SELECT promptpost.id FROM promptpost JOIN w ON w.prompt_id = promptpost.id "
    "WHERE promptpost.status = :open{lock}) "
    "RETURNING vote.answer_id, vote.voter_id, vote.created_at"
)


async def _withdraw(
    session: AsyncSession, pairs: Sequence[tuple[int, int, int]]
) -> list[tuple[int, int, dt.datetime]]:
    """Delete the (prompt, answer, voter) votes of open prompts; the (answer, voter, created) of each gone."""
    if not pairs:
        return []
    lock = " FOR SHARE OF promptpost"
    result = await _PAIRS.run(
        session, _WITHDRAW, pairs, lock=lock, values={"open": OPEN}, created_at=UTCDateTime()
    )
    return [(int(a), int(v), at) for a, v, at in result.all()]


_CASTS = Rows(
    "c",
    (("prompt_id", Integer()), ("answer_id", Integer()), ("voter_id", Integer()))
    + (("slot", Integer()), ("created_at", UTCDateTime())),
)
# One INSERT … SELECT from the open prompts that the unique keys either take or ignore:
# (answer, voter) refuses a duplicate, (prompt, voter, slot) a second vote in a slot.
# FOR SHARE: a reveal's UPDATE of the prompt waits for the votes' commit, and a vote
# behind a reveal re-reads the updated row and inserts nothing; so the digest's count
# (read after its UPDATE) holds every vote recorded. SQLite serialises writers
# (BEGIN IMMEDIATE), which gives the same order. SQLite needs the WHERE to parse ON CONFLICT.
_CAST_VOTES = (
    "INSERT INTO vote (space_id, prompt_id, answer_id, voter_id, slot, created_at) "
    "SELECT promptpost.space_id, promptpost.id, c.answer_id, c.voter_id, c.slot, c.created_at "
    "FROM c JOIN promptpost ON promptpost.id = c.prompt_id WHERE promptpost.status = :open "
    "ORDER BY c.voter_id, c.answer_id{lock} ON CONFLICT DO NOTHING RETURNING answer_id, voter_id"
)
_FREE = Rows("f", (("i", Integer()), ("prompt_id", Integer()), ("voter_id", Integer())))
_FREE_SLOTS = f"SELECT f.i, {free_slot('f.prompt_id', 'f.voter_id')} FROM f"


async def _cast(session: AsyncSession, rows: Sequence[_Cast], free: Sequence[int | None] | None) -> set[int]:
    """Insert each row's vote into its voter's first free slot; the indexes of the rows inserted.

    A row whose slot was taken meanwhile (a press racing in another transaction)
    tries the next free one, until none is left within its budget.
    """
    if not rows:
        return set()
    slots = dict(enumerate(free)) if free is not None else await _free_slots(session, rows, range(len(rows)))
    tried: dict[int, set[int]] = {i: set() for i in range(len(rows))}
    pending, done = list(range(len(rows))), set()
    while pending:
        attempt = []
        for i in pending:
            slot = slots.get(i)
            if slot is not None and slot <= rows[i].budget and slot not in tried[i]:
                attempt.append(i)
                tried[i].add(slot)
        if not attempt:
            break
        tries = [(r.prompt_id, r.answer_id, r.voter_id, slots[i], r.at) for i, r in _at(rows, attempt)]
        lock = " FOR SHARE OF promptpost"
        result = await _CASTS.run(session, _CAST_VOTES, tries, lock=lock, values={"open": OPEN})
        inserted = {(int(a), int(v)) for a, v in result.all()}
        done |= {i for i in attempt if (rows[i].answer_id, rows[i].voter_id) in inserted}
        pending = [i for i in attempt if i not in done]
        if pending:
            slots.update(await _free_slots(session, rows, pending))
    return done


async def _free_slots(
    session: AsyncSession, rows: Sequence[_Cast], which: Sequence[int]
) -> dict[int, int | None]:
    result = await _FREE.run(
        session, _FREE_SLOTS, [(i, r.prompt_id, r.voter_id) for i, r in _at(rows, which)]
    )
    return {int(i): (int(slot) if slot is not None else None) for i, slot in result.all()}


def _at(rows: Sequence[_Cast], which: Sequence[int]) -> list[tuple[int, _Cast]]:
    return [(i, rows[i]) for i in which]
