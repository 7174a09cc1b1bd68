"""The Vote click's read: each press's seat (who votes, on what, what the reply needs), with its claim.

One statement for a batch of presses (``bot.store.votes`` does the writes): the
voter and the answer found by their keys, the prompt's status, the answer's author
and place in its thread, the voter's votes used, first free slot, and whether
their vote for the answer is there. On PostgreSQL the batch's delivery claims are
recorded in the same statement (a data-modifying ``WITH``): one round trip less
on the hottest path. SQLite takes no data-modifying ``WITH``, so its claims go
first, in a statement of their own (``bot.store.claims.record_claims``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel.sql.sqltypes import UTCDateTime

from bot.store.claims import ClaimRow, record_claims
from bot.store.sql import Rows, is_postgres

if TYPE_CHECKING:
    from bot.store.votes import Press


@dataclass(frozen=True)
class Seat:
    """A press as read before writing: the voter's row, the prompt's status, the answer's author…"""

    voter: int
    status: str | None  # None: the prompt is not in the voter's space
    author: int | None  # None: the answer is not (or no longer) in that prompt
    number: int
    used: int
    free: int | None  # the voter's first free slot on the prompt
    voted: bool  # the voter's vote for the answer is there


def free_slot(prompt: str, voter: str) -> str:
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
    f"{free_slot('p.prompt_id', 'member.id')}, "
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


def seat_select(extra: str) -> str:
    """The seats' SELECT over presses ``p``, with ``extra`` columns after the eight a :class:`Seat` reads."""
    return _SEATS.replace("{fresh}", extra)


# The claims go in first, in one order (two replicas claiming the same ones never deadlock).
# The seats come as before (a voter never seen has none), then one row per press saying
# whether its claim is new (no member id: the seat rows always have one). The read sees
# the claims' RETURNING, not their rows, which is all it needs. Outer joins to keep every
# press in one row would lead PostgreSQL, without statistics, to scan whole tables.
_CLAIM_AND_SEAT = (
    ", claimed AS (INSERT INTO delivery (space_id, key, created_at) "
    "SELECT claim_space, claim_key, claim_at FROM p WHERE claim_key IS NOT NULL "
    "ORDER BY claim_space, claim_key ON CONFLICT DO NOTHING RETURNING space_id, key) "
    + seat_select(", NULL")
    + " UNION ALL SELECT p.i, NULL, NULL, NULL, NULL, NULL, NULL, NULL, (p.claim_key IS NULL OR EXISTS "
    "(SELECT 1 FROM claimed WHERE claimed.space_id = p.claim_space AND claimed.key = p.claim_key)) FROM p"
)


async def claim_and_seat(
    session: AsyncSession, presses: Sequence[Press], claims: Sequence[ClaimRow | None]
) -> tuple[dict[int, Seat], list[bool]]:
    """Record the presses' claims and read their seats: the seats, and per press whether it is new."""
    if not is_postgres(session):  # SQLite takes no INSERT inside a WITH: two statements
        fresh = await record_claims(session, claims=claims)
        live = [i for i in range(len(presses)) if fresh[i]]
        return (await seats(session, presses, live) if live else {}), fresh
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


def _seated(result: Sequence[Any]) -> dict[int, Seat]:
    """The seats read, by press."""
    return {
        int(i): Seat(int(voter), status, author, int(number or 0), int(used or 0), free, bool(voted))
        for i, voter, status, author, number, used, free, voted in result
    }


async def seats(session: AsyncSession, presses: Sequence[Press], which: Sequence[int]) -> dict[int, Seat]:
    result = await _PRESSES.run(session, _SEATS_ONLY, [_press_row(i, presses[i]) for i in which])
    return _seated(result.all())
