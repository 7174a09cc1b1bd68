"""Votes: a ballot press toggles a vote, for a batch of presses in a few set-based statements.

:data:`TOGGLES` is the Vote click as shared work (``bot.store.shared``): the
presses queued while a batch was being written go together, in one transaction
with their delivery claims, and each press gets its own outcome. The rules live
here once, in SQL, whatever the batch's size (one, when the bot is quiet): the
voter must not be the author, the prompt must be open when the write runs (so a
reveal that lands after the checks wins), and the unique keys (answer, voter) and
(prompt, voter, slot) keep a vote exactly-once and within the voter's budget,
whatever the platforms re-deliver and however two replicas race.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from bot.domain import MemberRef
from bot.store import totals
from bot.store.claims import ClaimRow, record_claims
from bot.store.enums import PromptStatus
from bot.store.models import Vote
from bot.store.shared import Shared
from bot.store.sql import Rows, is_postgres
from bot.store.tenants import ensure_member

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
    seats, fresh = await _claim_and_seat(session, presses, claims)
    live = [i for i in range(len(presses)) if fresh[i]]
    unknown = [i for i in live if i not in seats]
    if unknown:  # never seen: their row is made as on any first action
        for i in unknown:
            await ensure_member(session, ref=presses[i].voter)
        seats.update(await _seats(session, presses, unknown))
    refused = {i: _refusal(seats[i]) for i in live}
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
    "vote toggle", toggle_votes, conflict=lambda p: (p.voter.space.platform, p.voter.space.id, p.voter.id)
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
class _Seat:
    """A press as read before writing: the voter's row, the prompt's status, the answer's author…"""

    voter: int
    status: str | None  # None: the prompt is not in the voter's space
    author: int | None  # None: the answer is not (or no longer) in that prompt
    number: int
    used: int
    free: int | None  # the voter's first free slot on the prompt
    voted: bool  # the voter's vote for the answer is there


@dataclass(frozen=True)
class _Cast:
    prompt_id: int
    answer_id: int
    voter_id: int
    budget: int
    at: dt.datetime


def _refusal(seat: _Seat) -> str | None:
    if seat.status is None:
        return NO_PROMPT
    if seat.status != OPEN:
        return CLOSED
    if seat.author is None:
        return NO_ANSWER
    return OWN_ANSWER if seat.author == seat.voter else None


def _free_slot(prompt: str, voter: str) -> str:
    """SQL for the voter's lowest free slot on the prompt: 1, or the first taken one's free successor."""
    taken = f"FROM vote AS s1 WHERE s1.prompt_id = {prompt} AND s1.voter_id = {voter}"
    return (
        f"CASE WHEN NOT EXISTS (SELECT 1 {taken} AND s1.slot = 1) THEN 1 "
        f"ELSE (SELECT MIN(s1.slot) + 1 {taken} AND NOT EXISTS (SELECT 1 FROM vote AS s2 "
        "WHERE s2.prompt_id = s1.prompt_id AND s2.voter_id = s1.voter_id AND s2.slot = s1.slot + 1)) END"
    )


_PRESS_COLUMNS = (("i", Integer()), ("platform", String()), ("space", String()), ("voter", String())) + (
    ("prompt_id", Integer()),
    ("answer_id", Integer()),
)
_PRESSES = Rows("p", _PRESS_COLUMNS)
# With each press's delivery claim (PostgreSQL: recorded in the same statement).
_CLAIMED_PRESSES = Rows(
    "p", _PRESS_COLUMNS + (("claim_space", Integer()), ("claim_key", String()), ("claim_at", UTCDateTime()))
)
# One read per batch: who votes, on what, and what the reply needs (the answer's number, votes used).
# The voter and the answer are found by their keys, each in a lookup of its own: joined
# on the space alone, PostgreSQL (before it has statistics for a freshly filled table)
# would scan all the space's members or all the prompt's answers for every press.
_SEATS = (
    "SELECT p.i, member.id, promptpost.status, answer.member_id, "
    "(SELECT COUNT(*) FROM answer AS earlier WHERE earlier.prompt_id = answer.prompt_id "
    "AND (earlier.created_at < answer.created_at "
    "OR (earlier.created_at = answer.created_at AND earlier.id <= answer.id))), "
    "(SELECT COUNT(*) FROM vote WHERE vote.prompt_id = p.prompt_id AND vote.voter_id = member.id), "
    f"{_free_slot('p.prompt_id', 'member.id')}, "
    "EXISTS (SELECT 1 FROM vote WHERE vote.answer_id = p.answer_id AND vote.voter_id = member.id)"
    "{fresh} "
    "FROM p JOIN space ON space.platform = p.platform AND space.external_id = p.space "
    "JOIN member ON member.id = "
    "(SELECT m.id FROM member AS m WHERE m.space_id = space.id AND m.external_id = p.voter) "
    "LEFT JOIN promptpost ON promptpost.id = p.prompt_id AND promptpost.space_id = space.id "
    "LEFT JOIN answer ON answer.id = p.answer_id AND answer.prompt_id = p.prompt_id "
    "AND promptpost.id IS NOT NULL"
)
_SEATS_ONLY = _SEATS.replace("{fresh}", "")
# The claims go in first, in one order (two replicas claiming the same ones never deadlock).
# The seats come as before (a voter never seen has none), then one row per press saying
# whether its claim is new (no member id: the seat rows always have one). The read sees
# the claims' RETURNING, not their rows, which is all it needs. Outer joins to keep every
# press in one row would lead PostgreSQL, without statistics, to scan whole tables.
_CLAIM_AND_SEAT = (
    ", claimed AS (INSERT INTO delivery (space_id, key, created_at) "
    "SELECT claim_space, claim_key, claim_at FROM p WHERE claim_key IS NOT NULL "
    "ORDER BY claim_space, claim_key ON CONFLICT DO NOTHING RETURNING space_id, key) "
    + _SEATS.replace("{fresh}", ", NULL")
    + " UNION ALL SELECT p.i, NULL, NULL, NULL, NULL, NULL, NULL, NULL, (p.claim_key IS NULL OR EXISTS "
    "(SELECT 1 FROM claimed WHERE claimed.space_id = p.claim_space AND claimed.key = p.claim_key)) FROM p"
)


async def _claim_and_seat(
    session: AsyncSession, presses: Sequence[Press], claims: Sequence[ClaimRow | None]
) -> tuple[dict[int, _Seat], list[bool]]:
    """Record the presses' claims and read their seats: the seats, and per press whether it is new."""
    if not is_postgres(session):  # SQLite takes no INSERT inside a WITH: two statements
        fresh = await record_claims(session, claims=claims)
        live = [i for i in range(len(presses)) if fresh[i]]
        return (await _seats(session, presses, live) if live else {}), fresh
    rows = [
        (*_press_row(i, presses[i]), *(claim if claim is not None else (None, None, None)))
        for i, claim in enumerate(claims)
    ]
    result = (await _CLAIMED_PRESSES.run(session, _CLAIM_AND_SEAT, rows)).all()
    fresh = [False] * len(presses)
    for row in result:
        if row[1] is None:  # a press's claim, not a seat
            fresh[int(row[0])] = bool(row[-1])
    return _seated([row[:-1] for row in result if row[1] is not None and fresh[int(row[0])]]), fresh


def _press_row(i: int, press: Press) -> tuple[int, str, str, str, int, int]:
    return (
        i,
        press.voter.space.platform,
        press.voter.space.id,
        press.voter.id,
        press.prompt_id,
        press.answer_id,
    )


def _seated(result: Sequence[Any]) -> dict[int, _Seat]:
    """The seats read, by press."""
    return {
        int(i): _Seat(int(voter), status, author, int(number or 0), int(used or 0), free, bool(voted))
        for i, voter, status, author, number, used, free, voted in result
    }


async def _seats(session: AsyncSession, presses: Sequence[Press], which: Sequence[int]) -> dict[int, _Seat]:
    result = await _PRESSES.run(session, _SEATS_ONLY, [_press_row(i, presses[i]) for i in which])
    return _seated(result.all())


_PAIRS = Rows("w", (("prompt_id", Integer()), ("answer_id", Integer()), ("voter_id", Integer())))
# FOR SHARE (PostgreSQL), as for a vote: a withdrawal is ordered against the reveal.
_WITHDRAW = (
    "DELETE FROM vote WHERE vote.id IN (SELECT given.id FROM w JOIN vote AS given "
    "ON given.answer_id = w.answer_id AND given.voter_id = w.voter_id AND given.prompt_id = w.prompt_id) "
    "AND vote.prompt_id IN "
    "(SELECT promptpost.id FROM promptpost WHERE promptpost.status = :open{lock}) "
    "RETURNING vote.answer_id, vote.voter_id, vote.created_at"
)


async def _withdraw(
    session: AsyncSession, pairs: Sequence[tuple[int, int, int]]
) -> list[tuple[int, int, dt.datetime]]:
    """Delete the (prompt, answer, voter) votes of open prompts; the (answer, voter, created) of each gone."""
    if not pairs:
        return []
    result = await _PAIRS.run(
        session, _WITHDRAW, pairs, lock=" FOR SHARE", values={"open": OPEN}, created_at=UTCDateTime()
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
_FREE_SLOTS = f"SELECT f.i, {_free_slot('f.prompt_id', 'f.voter_id')} FROM f"


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
