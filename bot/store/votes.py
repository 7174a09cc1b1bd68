"""Vote writes and the small lookups ballots need, each a single statement."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, delete, func, or_, text
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from bot.domain import MemberRef
from bot.store import totals
from bot.store.enums import PromptStatus
from bot.store.models import Answer, Member, PromptPost, Space, Vote
from bot.store.sql import is_postgres

OPEN = PromptStatus.OPEN


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

    Each try is one ``INSERT … SELECT`` from the open prompt that the unique keys
    either take or ignore: (answer, voter) refuses a duplicate, (prompt, voter,
    slot) a second vote in a slot, so racing presses never exceed the budget.
    False when nothing was inserted (closed, duplicate, or no vote left).
    """
    stamp = at or dt.datetime.now(dt.UTC)
    taken = set(
        (
            await session.execute(
                sa_select(col(Vote.slot)).where(
                    col(Vote.prompt_id) == prompt_id, col(Vote.voter_id) == voter_id
                )
            )
        )
        .scalars()
        .all()
    )
    stmt = _VOTE_IF_OPEN_PG if is_postgres(session) else _VOTE_IF_OPEN
    for slot in [s for s in range(1, budget + 1) if s not in taken]:
        values = {"prompt_id": prompt_id, "answer_id": answer_id, "voter_id": voter_id, "slot": slot}
        if (await session.execute(stmt, {**values, "created_at": stamp, "open": OPEN})).rowcount:  # type: ignore[attr-defined]
            # The author's running total moves in the same transaction as the vote.
            await totals.add_votes(session, answer_id=answer_id, days={totals.day_of(stamp): 1})
            return True
    return False


# One INSERT … SELECT from the open prompt, as text so SQLAlchemy compiles it once (a
# dialect insert with on_conflict_do_nothing() has no cache key: it was compiled on
# every click). SQLite needs the WHERE to parse ON CONFLICT after a SELECT.
_VOTE_SQL = (
    "INSERT INTO vote (space_id, prompt_id, answer_id, voter_id, slot, created_at) "
    "SELECT promptpost.space_id, promptpost.id, :answer_id, :voter_id, :slot, :created_at "
    "FROM promptpost WHERE promptpost.id = :prompt_id AND promptpost.status = :open{lock} "
    "ON CONFLICT DO NOTHING"
)
_VOTE_TYPES = (bindparam("created_at", type_=UTCDateTime()),)
_VOTE_IF_OPEN = text(_VOTE_SQL.format(lock="")).bindparams(*_VOTE_TYPES)
# FOR SHARE: a reveal's UPDATE of this prompt waits for the vote's commit, and a vote
# behind a reveal re-reads the updated row and inserts nothing; so the digest's count
# (read after its UPDATE) holds every vote that was recorded. SQLite serialises
# writers (BEGIN IMMEDIATE), which gives the same order.
_VOTE_IF_OPEN_PG = text(_VOTE_SQL.format(lock=" FOR SHARE OF promptpost")).bindparams(*_VOTE_TYPES)


async def votes_left(session: AsyncSession, *, prompt_id: int, voter_id: int, budget: int) -> int:
    """How many of their ``budget`` votes the voter has not used on this prompt."""
    stmt = select(func.count()).where(col(Vote.prompt_id) == prompt_id, col(Vote.voter_id) == voter_id)
    return max(0, budget - int((await session.execute(stmt)).scalar_one()))


async def withdraw_vote_if_open(
    session: AsyncSession, *, prompt_id: int, answer_id: int, voter_id: int
) -> bool:
    """Delete one vote while its prompt is open; True when there was one (after the reveal: never).

    The author's running total for the vote's day goes down in the same transaction.
    """
    guard = sa_select(col(PromptPost.id)).where(
        col(PromptPost.id) == prompt_id, col(PromptPost.status) == OPEN
    )
    if is_postgres(session):
        guard = guard.with_for_update(read=True)  # as for a vote: ordered against the reveal
    stmt = (
        delete(Vote)
        .where(
            col(Vote.answer_id) == answer_id,
            col(Vote.voter_id) == voter_id,
            col(Vote.prompt_id) == prompt_id,
            col(Vote.prompt_id).in_(guard),
        )
        .returning(col(Vote.created_at))
    )
    gone = Counter(totals.day_of(at) for at in (await session.execute(stmt)).scalars().all())
    await totals.add_votes(session, answer_id=answer_id, days={day: -n for day, n in gone.items()})
    return bool(gone)


async def answer_number(session: AsyncSession, *, answer: Answer) -> int:
    """The answer's place in its thread (1 for the first answer given), as ballots number them."""
    earlier = or_(
        col(Answer.created_at) < answer.created_at,
        and_(col(Answer.created_at) == answer.created_at, col(Answer.id) <= answer.id),
    )
    stmt = select(func.count()).where(col(Answer.prompt_id) == answer.prompt_id, earlier)
    return int((await session.execute(stmt)).scalar_one())


@dataclass(frozen=True)
class Seat:
    """What a ballot click needs to know, read in one statement (see :func:`seat`).

    ``status`` is None when the prompt is not in the voter's space; ``author_id``
    is None when the answer is not (or no longer) in that prompt.
    """

    voter_id: int
    status: str | None
    author_id: int | None


async def seat(session: AsyncSession, *, voter: MemberRef, prompt_id: int, answer_id: int) -> Seat | None:
    """The voter's row id, the prompt's status and the answer's author, or None for a voter never seen.

    One read instead of the member upsert and two lookups: a voter has a row
    already, made when they opened the ballot (the caller creates it otherwise).
    """
    stmt = (
        sa_select(col(Member.id), col(PromptPost.status), col(Answer.member_id))
        .select_from(Space)
        .join(Member, and_(col(Member.space_id) == col(Space.id), col(Member.external_id) == voter.id))
        .outerjoin(
            PromptPost, and_(col(PromptPost.id) == prompt_id, col(PromptPost.space_id) == col(Space.id))
        )
        .outerjoin(Answer, and_(col(Answer.id) == answer_id, col(Answer.prompt_id) == col(PromptPost.id)))
        .where(col(Space.platform) == voter.space.platform, col(Space.external_id) == voter.space.id)
    )
    row = (await session.execute(stmt)).first()
    return Seat(row[0], row[1], row[2]) if row is not None else None


async def number_and_left(
    session: AsyncSession, *, answer_id: int, prompt_id: int, voter_id: int, budget: int
) -> tuple[int, int]:
    """The answer's place in its thread (as :func:`answer_number`) and the voter's votes left, in one read."""
    this = aliased(Answer)
    earlier = or_(
        col(Answer.created_at) < this.created_at,
        and_(col(Answer.created_at) == this.created_at, col(Answer.id) <= this.id),
    )
    number = (
        sa_select(func.count())
        .select_from(Answer)
        .where(col(Answer.prompt_id) == this.prompt_id, earlier)
        .correlate(this)
        .scalar_subquery()
    )
    used = (
        sa_select(func.count())
        .select_from(Vote)
        .where(col(Vote.prompt_id) == prompt_id, col(Vote.voter_id) == voter_id)
        .scalar_subquery()
    )
    row = (await session.execute(sa_select(number, used).where(col(this.id) == answer_id))).one()
    return int(row[0]), max(0, budget - int(row[1]))
