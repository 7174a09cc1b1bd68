"""Forgetting one member of one space: every row that is theirs, and the totals derived from them.

:func:`forget_member` runs in the caller's transaction and removes everything left
of the member at once; ``/prep forget-me`` and ``prepbot data forget`` first remove
the bulk of a long history in bounded batches (:mod:`bot.store.forget_batches`),
so that last transaction stays small. Rows that are not theirs but point at them
keep the others' part and drop theirs:

- votes they cast go, and their authors' running totals with them; on a revealed
  prompt, the author's vote award shrinks by what those votes earned (the posted
  digest itself is not edited);
- votes others cast on their answers go with the answers (on an open prompt the
  voter gets that vote back; the digest ranks what is left);
- a pairing round stays; their seat, and feedback and notes they gave or received, go;
- a challenge round they won stays closed, without a winner (no one is banked for it);
  a challenge they started keeps pointing at their row, which then stays as an
  anonymous tombstone (platform id and name replaced) instead of being deleted;
- organizer roles they held go; roles they granted and schedules they set stay, unattributed;
- answers others crowned stay crowned.

Delivery and daily claims hold ids only and are pruned by housekeeping within a week.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain import MemberRef
from bot.store import totals
from bot.store.enums import PromptStatus
from bot.store.models import (
    Answer,
    AnswerPart,
    Challenge,
    ChallengeRound,
    Channel,
    LateAnswer,
    Member,
    MemberDay,
    MemberPlan,
    MemberTotal,
    Organizer,
    PairingFeedback,
    PairingNote,
    PairingOptIn,
    PairingSeat,
    PointEvent,
    PromptNotice,
    PromptPost,
    QuizAttempt,
    QuizPresentation,
    Report,
    ReviewCard,
    ReviewLog,
    SavedQuestion,
    Space,
    Vote,
)
from bot.store.sql import is_postgres

# What the member is told, in this order; a kind with nothing removed is left out.
KINDS = (
    "answers to culture prompts",
    "replies in those answers",
    "late replies",
    "votes you cast",
    "votes others cast on your answers",
    "point awards",
    "quiz and challenge answers",
    "questions shown to you",
    "review cards",
    "review history entries",
    "saved questions",
    "daily plans",
    "problem reports",
    "mock-interview seats",
    "mock-interview ratings",
    "mock-interview notes",
    "pairing opt-ins",
    "organizer roles",
    "challenge rounds won",
    "your profile (name, time zone, interview date)",
)

# (prompt id, author id) -> how many of the forgotten member's votes a revealed answer lost.
LostVotes = Counter[tuple[int, int]]


async def find_member(session: AsyncSession, *, ref: MemberRef) -> Member | None:
    """The member's row in their space, without creating one (None: nothing is stored)."""
    stmt = (
        select(Member)
        .join(Space, col(Space.id) == col(Member.space_id))
        .where(
            col(Space.platform) == ref.space.platform,
            col(Space.external_id) == ref.space.id,
            col(Member.external_id) == ref.id,
        )
    )
    return (await session.execute(stmt)).scalars().first()


async def take_back(session: AsyncSession, gone: Sequence[Row[Any]]) -> LostVotes:
    """Deleted votes (answer id, time) come off their authors' totals; returns what revealed answers lost.

    The totals change in the deleting transaction, so they equal a recount whenever it commits.
    """
    per_answer: dict[int, Counter[Any]] = {}
    for answer_id, at in gone:
        per_answer.setdefault(answer_id, Counter())[totals.day_of(at)] += 1
    lost: LostVotes = Counter()
    if per_answer:
        authors = await session.execute(
            select(col(Answer.id), col(Answer.prompt_id), col(Answer.member_id))
            .join(PromptPost, col(PromptPost.id) == col(Answer.prompt_id))
            .where(col(Answer.id).in_(sorted(per_answer)), col(PromptPost.status) == PromptStatus.REVEALED)
        )
        for answer_id, prompt_id, author_id in authors.all():
            lost[(prompt_id, author_id)] += sum(per_answer[answer_id].values())
    # One statement set for all of them: every author's day rows (by space, member, day), then the
    # all-time rows, the order a vote's own batch keeps, so neither waits on the other in a cycle.
    changes = {(answer_id, day): -n for answer_id, days in per_answer.items() for day, n in days.items()}
    await totals.add_vote_changes(session, changes=changes)
    return lost


async def _count(session: AsyncSession, stmt: Any) -> int:
    return int((await session.execute(stmt)).rowcount or 0)  # type: ignore[attr-defined]


async def forget_member(
    session: AsyncSession, *, space_id: int, member_id: int
) -> tuple[dict[str, int], LostVotes] | None:
    """Delete everything of the member in their space; (counts per kind, votes revealed answers lost).

    None when their row is already gone. The row is locked first (PostgreSQL), so two
    forgets at once are one after the other and the second finds nothing. The caller
    shrinks the vote awards of revealed answers by the second value (the award's
    size is the digest's rule, not the store's).
    """
    mid = member_id
    if is_postgres(session):
        # Prompts they answered or voted on, before their row: a digest being recorded (which
        # locks its prompt, then writes awards naming members) finishes first, or starts after.
        voted = select(col(Vote.answer_id)).where(col(Vote.voter_id) == mid)
        touched = select(col(Answer.prompt_id)).where(
            or_(col(Answer.member_id) == mid, col(Answer.id).in_(voted))
        )
        prompts = select(col(PromptPost.id)).where(col(PromptPost.id).in_(touched))
        await session.execute(prompts.order_by(col(PromptPost.id)).with_for_update(read=True))
    row = select(col(Member.id)).where(col(Member.id) == mid, col(Member.space_id) == space_id)
    if (await session.execute(row.with_for_update() if is_postgres(session) else row)).first() is None:
        return None
    counts: Counter[str] = Counter()
    own_answers = select(col(Answer.id)).where(col(Answer.member_id) == mid)
    if is_postgres(session):
        # As when an answer's last reply is deleted: lock their answers before the votes on them,
        # so a vote being cast on one waits instead of deadlocking on the totals.
        await session.execute(select(col(Answer.id)).where(col(Answer.member_id) == mid).with_for_update())

    # Votes they cast: each author's running total for the vote's day goes down.
    cast = (
        delete(Vote)
        .where(col(Vote.voter_id) == mid, col(Vote.answer_id).not_in(own_answers))
        .returning(col(Vote.answer_id), col(Vote.created_at))
    )
    gone = (await session.execute(cast)).all()
    counts["votes you cast"] = len(gone)
    lost = await take_back(session, gone)

    # Their answers, with the votes on them and their replies; their own totals go whole below.
    counts["votes others cast on your answers"] = await _count(
        session, delete(Vote).where(col(Vote.answer_id).in_(own_answers))
    )
    counts["replies in those answers"] = await _count(
        session, delete(AnswerPart).where(col(AnswerPart.answer_id).in_(own_answers))
    )
    counts["answers to culture prompts"] = await _count(
        session, delete(Answer).where(col(Answer.member_id) == mid)
    )
    counts["point awards"] = await _count(session, delete(PointEvent).where(col(PointEvent.member_id) == mid))
    await session.execute(delete(MemberDay).where(col(MemberDay.member_id) == mid))
    await session.execute(delete(MemberTotal).where(col(MemberTotal.member_id) == mid))

    for label, model in (
        ("late replies", LateAnswer),
        ("quiz and challenge answers", QuizAttempt),
        ("questions shown to you", QuizPresentation),
        ("review cards", ReviewCard),
        ("review history entries", ReviewLog),
        ("saved questions", SavedQuestion),
        ("daily plans", MemberPlan),
        ("problem reports", Report),
        ("mock-interview seats", PairingSeat),
        ("pairing opt-ins", PairingOptIn),
        ("organizer roles", Organizer),
    ):
        counts[label] = await _count(session, delete(model).where(col(model.member_id) == mid))  # type: ignore[attr-defined]
    await session.execute(delete(PromptNotice).where(col(PromptNotice.member_id) == mid))
    pairs: tuple[tuple[str, Any], ...] = (
        ("mock-interview ratings", PairingFeedback),
        ("mock-interview notes", PairingNote),
    )
    for label, given in pairs:
        either = or_(col(given.candidate_id) == mid, col(given.reviewer_id) == mid)
        counts[label] = await _count(session, delete(given).where(either))

    # Rows of others that name them: the pointer goes, the row stays.
    counts["challenge rounds won"] = await _count(
        session,
        update(ChallengeRound)
        .where(col(ChallengeRound.winner_id) == mid)
        .values(winner_id=None, won_at=None),
    )
    await session.execute(update(Organizer).where(col(Organizer.added_by) == mid).values(added_by=None))
    await session.execute(
        update(Channel)
        .where(col(Channel.space_id) == space_id, col(Channel.schedule_set_by) == mid)
        .values(schedule_set_by=None)
    )
    counts["your profile (name, time zone, interview date)"] = 1
    await _drop_member_row(session, member_id=mid)
    return {kind: counts[kind] for kind in KINDS if counts[kind]}, lost


async def _drop_member_row(session: AsyncSession, *, member_id: int) -> None:
    """Delete the row, or make it an anonymous tombstone when a challenge still names it as starter."""
    started = exists().where(and_(col(Challenge.started_by) == member_id))
    if (await session.execute(select(started))).scalar():
        await session.execute(
            update(Member)
            .where(col(Member.id) == member_id)
            .values(
                external_id=f"forgotten-{member_id}",
                display_name="a former member",
                timezone=None,
                timezone_source=None,
                interview_date=None,
                interview_company=None,
                prompt_reminders=False,
                plan_channel_id=None,
            )
        )
        return
    await session.execute(delete(Member).where(col(Member.id) == member_id))
