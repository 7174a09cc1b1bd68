"""The Vote click on PostgreSQL as one statement: claim, read, write and count in one round trip.

A batch of presses (``bot.store.votes.TOGGLES``) is sent as one statement run
outside any transaction, which PostgreSQL makes a transaction of its own: no BEGIN,
no COMMIT, one round trip instead of five. It reads each press's seat (the same
read as ``bot.store.ballot_reads``), withdraws or casts the votes the seats call
for, moves the authors' running totals, and records the delivery claim of every
press it settled, all or nothing.

A press it cannot settle in that one piece is left, unclaimed and unwritten, to the
transaction of ``bot.store.votes.toggle_votes`` (:data:`LATER`): a voter never seen
(their row is made there), a vote that another transaction changed after the read
(a slot taken, a vote already withdrawn, voting closed meanwhile: the write found
nothing to do; this is also how a delivery of the same click in another process
shows, its write having come first). A press that writes nothing (a refusal, no
vote left) whose claim another delivery recorded meanwhile is answered as claimed
before (None): that delivery answers it. The rules stay the ones ``votes``
states: the prompt open when the write runs (``FOR SHARE`` orders it against the
reveal), the unique keys, the voter's budget. SQLite takes no data-modifying
``WITH``: there every press goes the transaction's way.

Locks come in the order of the transaction path but for the claims, which come
last here (a claim is recorded only for a press settled). So only two deliveries
of one click, one here and one in a transaction, can wait on each other in a
cycle: PostgreSQL aborts one side, and the batch goes the transaction's way, where
the click's claim is found.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Date, Integer, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel.sql.sqltypes import UTCDateTime

from bot.store import totals
from bot.store.ballot_reads import Seat, seat_select
from bot.store.claims import ClaimRow
from bot.store.enums import PromptStatus
from bot.store.sql import Rows
from bot.store.tickets import LATER, Later

if TYPE_CHECKING:
    from bot.store.votes import Press, Toggled

_P = Rows(
    "p",
    (("i", Integer()), ("platform", String()), ("space", String()), ("voter", String()))
    + (("prompt_id", Integer()), ("answer_id", Integer()), ("budget", Integer()), ("day", Date()))
    + (
        ("at", UTCDateTime()),
        ("claim_space", Integer()),
        ("claim_key", String()),
        ("claim_at", UTCDateTime()),
    ),
)
_SEAT_COLUMNS = "i, voter_id, status, author, number, used, free, voted"
_PRESS_COLUMNS = "prompt_id, answer_id, budget, day, at, claim_space, claim_key, claim_at, seen"
# What each press calls for, decided on its seat as ``votes`` decides it: a claim seen
# before (nothing to do), a refusal (``votes.refusal``'s four checks), a withdrawal
# (their vote is there), no vote left, or a cast into the first free slot.
_ACTIONS = (
    f", seat({_SEAT_COLUMNS}, {_PRESS_COLUMNS}) AS MATERIALIZED ("
    + seat_select(
        ", p.prompt_id, p.answer_id, p.budget, p.day, p.at, p.claim_space, p.claim_key, p.claim_at, "
        "(p.claim_key IS NOT NULL AND EXISTS (SELECT 1 FROM delivery "
        "WHERE delivery.space_id = p.claim_space AND delivery.key = p.claim_key))"
    )
    + "), act AS MATERIALIZED (SELECT seat.*, CASE WHEN seat.seen THEN 'seen' "
    "WHEN seat.status IS NULL OR seat.status <> :open OR seat.author IS NULL "
    "OR seat.author = seat.voter_id THEN 'refused' WHEN seat.voted THEN 'withdraw' "
    "WHEN seat.free IS NULL OR seat.free > seat.budget THEN 'full' ELSE 'cast' END AS what FROM seat) "
)
# The writes, as ``votes._WITHDRAW`` and ``votes._CAST_VOTES`` do them (FOR SHARE of the
# prompt; ON CONFLICT: a slot or vote taken meanwhile inserts nothing), then the
# running totals of both (``c``, as ``totals`` reads it), then the claims of the
# presses settled, in one order, as ``claims`` records them.
_WRITES = (
    ", gone AS (DELETE FROM vote WHERE vote.id IN (SELECT given.id FROM act JOIN vote AS given "
    "ON given.answer_id = act.answer_id AND given.voter_id = act.voter_id "
    "AND given.prompt_id = act.prompt_id WHERE act.what = 'withdraw') AND vote.prompt_id IN "
    "(SELECT promptpost.id FROM promptpost JOIN act ON act.prompt_id = promptpost.id "
    "WHERE act.what = 'withdraw' AND promptpost.status = :open FOR SHARE OF promptpost) "
    "RETURNING vote.answer_id, vote.voter_id, vote.created_at) "
    ", ins AS (INSERT INTO vote (space_id, prompt_id, answer_id, voter_id, slot, created_at) "
    "SELECT promptpost.space_id, promptpost.id, act.answer_id, act.voter_id, act.free, act.at "
    "FROM act JOIN promptpost ON promptpost.id = act.prompt_id "
    "WHERE act.what = 'cast' AND promptpost.status = :open "
    "ORDER BY act.voter_id, act.answer_id FOR SHARE OF promptpost "
    "ON CONFLICT DO NOTHING RETURNING answer_id, voter_id) "
    ", c(answer_id, day, n) AS ("
    "SELECT gone.answer_id, (gone.created_at AT TIME ZONE 'UTC')::date, -1 FROM gone UNION ALL "
    "SELECT act.answer_id, act.day, 1 FROM ins JOIN act "
    "ON act.answer_id = ins.answer_id AND act.voter_id = ins.voter_id AND act.what = 'cast') "
    + totals.VOTE_TOTALS_WITH
    + ", done(i) AS (SELECT act.i FROM act WHERE act.what IN ('refused', 'full') UNION ALL "
    "SELECT act.i FROM act JOIN gone ON gone.answer_id = act.answer_id AND gone.voter_id = act.voter_id "
    "WHERE act.what = 'withdraw' UNION ALL "
    "SELECT act.i FROM act JOIN ins ON ins.answer_id = act.answer_id AND ins.voter_id = act.voter_id "
    "WHERE act.what = 'cast') "
    ", claimed AS (INSERT INTO delivery (space_id, key, created_at) "
    "SELECT act.claim_space, act.claim_key, act.claim_at FROM act JOIN done ON done.i = act.i "
    "WHERE act.claim_key IS NOT NULL ORDER BY act.claim_space, act.claim_key "
    "ON CONFLICT DO NOTHING RETURNING space_id, key) "
)
_TOGGLE = (
    _ACTIONS
    + _WRITES
    + f"SELECT act.i, {', '.join('act.' + c for c in _SEAT_COLUMNS.split(', ')[1:])}, act.what, "
    "EXISTS (SELECT 1 FROM done WHERE done.i = act.i), "
    "EXISTS (SELECT 1 FROM gone WHERE gone.answer_id = act.answer_id AND gone.voter_id = act.voter_id), "
    "(act.claim_key IS NULL OR EXISTS (SELECT 1 FROM claimed "
    "WHERE claimed.space_id = act.claim_space AND claimed.key = act.claim_key)) "
    "FROM act"
)


async def toggle_alone(
    session: AsyncSession, presses: Sequence[Press], claims: Sequence[ClaimRow | None]
) -> list[Toggled | None | Later]:
    """Toggle the presses' votes in one statement of its own; per press its outcome, None or LATER.

    None: the press's delivery was claimed before. LATER: the statement left it, and
    wrote nothing of it, for the transaction of ``votes.toggle_votes``. ``session`` is
    bound to one connection with no transaction open on it.
    """
    from bot.store.votes import Toggled, refusal

    rows = [
        (
            i,
            press.voter.space.platform,
            press.voter.space.id,
            press.voter.id,
            press.prompt_id,
            press.answer_id,
            press.budget,
            totals.day_of(press.at),
            press.at,
            *(claim if claim is not None else (None, None, None)),
        )
        for i, (press, claim) in enumerate(zip(presses, claims, strict=True))
    ]
    result = await _P.run(session, _TOGGLE, rows, values={"open": PromptStatus.OPEN}, alone=True)
    out: list[Toggled | None | Later] = [LATER] * len(presses)
    for i, voter, status, author, number, used, free, voted, what, done, withdrawn, claimed in result.all():
        if what == "seen" or (what in ("refused", "full") and not claimed):
            # Claimed before; or claimed meanwhile by another delivery of the click, which
            # answers it (a press that wrote cannot get here: the other's write came first).
            out[i] = None
        elif done:
            seat = Seat(int(voter), status, author, int(number or 0), int(used or 0), free, bool(voted))
            cast = what == "cast"
            left = max(0, presses[i].budget - (seat.used + cast - bool(withdrawn)))
            out[i] = Toggled(refusal(seat), bool(withdrawn), cast, seat.number, left)
    return out
