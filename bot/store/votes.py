"""Vote writes and the small lookups ballots need, each a single statement."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import and_, delete, func, literal, or_
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from bot.store import totals
from bot.store.models import Answer, PromptPost, Vote

OPEN = "open"


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
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
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
    for slot in [s for s in range(1, budget + 1) if s not in taken]:
        source = sa_select(
            col(PromptPost.space_id),
            col(PromptPost.id),
            literal(answer_id),
            literal(voter_id),
            literal(slot),
            literal(stamp, type_=UTCDateTime()),
        ).where(col(PromptPost.id) == prompt_id, col(PromptPost.status) == OPEN)
        if dialect == "postgresql":
            # FOR SHARE: a reveal's UPDATE of this prompt waits for the vote's commit, and a
            # vote behind a reveal re-reads the updated row and inserts nothing; so the
            # digest's count (read after its UPDATE) holds every vote that was recorded.
            # SQLite serialises writers (BEGIN IMMEDIATE), which gives the same order.
            source = source.with_for_update(read=True, of=PromptPost)
        stmt = (
            insert(Vote)
            .from_select(["space_id", "prompt_id", "answer_id", "voter_id", "slot", "created_at"], source)
            .on_conflict_do_nothing()
        )
        if (await session.execute(stmt)).rowcount:  # type: ignore[attr-defined]
            # The author's running total moves in the same transaction as the vote.
            await totals.add_votes(session, answer_id=answer_id, days={totals.day_of(stamp): 1})
            return True
    return False


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
    if session.bind is not None and session.bind.dialect.name == "postgresql":
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
