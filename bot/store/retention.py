"""Deleting old data in bounded batches: answers and votes past their retention, removed spaces.

Each function deletes (or unlinks) at most ``limit`` rows of one table in the caller's transaction
and returns how many went (0: nothing of that kind is left), so the daily job
(``bot.services.retention``) commits one batch at a time and no transaction grows
with a space's history.

Totals after retention: a vote that goes takes its count off its author's
``votes`` for that day (so ``/prep stats`` counts votes still kept); points are the
ledger's and stay: an award earned from votes since deleted keeps counting on the
leaderboard. The running totals therefore still equal a recount of the rows kept.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from bot.store import totals
from bot.store.enums import DailyKind, PromptStatus
from bot.store.models import (
    Answer,
    AnswerPart,
    Challenge,
    ChallengeRound,
    Channel,
    DailyClaim,
    Delivery,
    LateAnswer,
    Member,
    MemberDay,
    MemberPlan,
    MemberTotal,
    Organizer,
    PairingFeedback,
    PairingNote,
    PairingOptIn,
    PairingRound,
    PairingSeat,
    PointEvent,
    PostSlot,
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

# A prompt still taking votes (or being revealed) is never touched, however old.
LIVE = (PromptStatus.CLAIMED, PromptStatus.OPEN, PromptStatus.REVEALING)


def _closed_before(before: dt.datetime) -> Any:
    """A prompt posted before ``before`` (by the service clock; claimed, by the database's) and closed."""
    posted = func.coalesce(col(PromptPost.posted_at), col(PromptPost.created_at))
    return and_(posted < before, col(PromptPost.status).not_in(LIVE))


def _expired_prompts(space_id: int, before: dt.datetime) -> Any:
    return select(col(PromptPost.id)).where(col(PromptPost.space_id) == space_id, _closed_before(before))


async def _rows(session: AsyncSession, stmt: Any) -> int:
    return int((await session.execute(stmt)).rowcount or 0)  # type: ignore[attr-defined]


async def _batch(session: AsyncSession, model: type[SQLModel], where: Any, limit: int) -> int:
    """Delete at most ``limit`` rows of ``model`` matching ``where``; how many went."""
    table: Any = model.__table__  # type: ignore[attr-defined]
    keys = [table.c[c.name] for c in table.primary_key.columns]
    chosen = select(*keys).where(where).limit(limit)
    if len(keys) == 1:
        return await _rows(session, delete(model).where(keys[0].in_(chosen)))
    return await _rows(session, delete(model).where(tuple_(*keys).in_(chosen)))


async def _unlink(
    session: AsyncSession, model: type[Channel] | type[Member], pointer: Any, *, space_id: int, limit: int
) -> int:
    """Clear ``pointer`` on at most ``limit`` of the space's rows of ``model`` that still have it."""
    chosen = select(col(model.id)).where(col(model.space_id) == space_id, pointer.is_not(None)).limit(limit)
    return await _rows(session, update(model).where(col(model.id).in_(chosen)).values({pointer.key: None}))


async def spaces_with_expired_answers(session: AsyncSession, *, before: dt.datetime) -> list[int]:
    """Spaces holding an answer or a late reply to a prompt posted before ``before`` (and closed)."""
    closed = _closed_before(before)
    answered = select(col(Answer.space_id)).join(PromptPost, col(PromptPost.id) == col(Answer.prompt_id))
    late = select(col(LateAnswer.space_id)).join(PromptPost, col(PromptPost.id) == col(LateAnswer.prompt_id))
    found = set((await session.execute(answered.where(closed).distinct())).scalars().all())
    found |= set((await session.execute(late.where(closed).distinct())).scalars().all())
    return sorted(found)


async def expire_answers(session: AsyncSession, *, space_id: int, before: dt.datetime, limit: int) -> int:
    """One batch of the space's answers and votes on prompts posted before ``before``; 0 when none are left.

    Votes go first (their authors' vote counts with them), then replies, then the
    answers they emptied, then late replies.
    """
    expired = _expired_prompts(space_id, before)
    chosen = select(col(Vote.id)).where(col(Vote.prompt_id).in_(expired)).limit(limit)
    gone = (
        await session.execute(
            delete(Vote).where(col(Vote.id).in_(chosen)).returning(col(Vote.answer_id), col(Vote.created_at))
        )
    ).all()
    if gone:
        per_answer: dict[int, Counter[dt.date]] = {}
        for answer_id, at in gone:
            per_answer.setdefault(answer_id, Counter())[totals.day_of(at)] += 1
        for answer_id in sorted(per_answer):
            days = per_answer[answer_id]
            await totals.add_votes(session, answer_id=answer_id, days={d: -n for d, n in days.items()})
        return len(gone)
    for model, where in (
        (AnswerPart, col(AnswerPart.prompt_id).in_(expired)),
        (Answer, col(Answer.prompt_id).in_(expired)),
        (LateAnswer, col(LateAnswer.prompt_id).in_(expired)),
    ):
        if n := await _batch(session, model, where, limit):
            return n
    return 0


async def spaces_to_purge(session: AsyncSession, *, uninstalled_before: dt.datetime) -> list[int]:
    """Spaces removed before ``uninstalled_before``, still uninstalled, whose data was not deleted since."""
    stmt = select(col(Space.id)).where(_due(uninstalled_before)).order_by(col(Space.id))
    return [space_id for space_id in (await session.execute(stmt)).scalars().all() if space_id is not None]


def _due(uninstalled_before: dt.datetime) -> Any:
    uninstalled = col(Space.uninstalled_at)
    return and_(
        uninstalled.is_not(None),
        uninstalled < uninstalled_before,
        or_(col(Space.purged_at).is_(None), col(Space.purged_at) < uninstalled),
    )


def _purge_steps(space_id: int) -> list[tuple[type[SQLModel], Any]]:
    """Every table holding the space's rows, children before the rows they point at."""
    prompts = select(col(PromptPost.id)).where(col(PromptPost.space_id) == space_id)
    challenges = select(col(Challenge.id)).where(col(Challenge.space_id) == space_id)
    rounds = select(col(PairingRound.id)).where(col(PairingRound.space_id) == space_id)
    steps: list[tuple[type[SQLModel], Any]] = [
        (Vote, col(Vote.space_id) == space_id),
        (AnswerPart, col(AnswerPart.prompt_id).in_(prompts)),
    ]
    by_space: tuple[Any, ...] = (
        Answer,
        PromptNotice,
        LateAnswer,
        PointEvent,
        MemberDay,
        MemberTotal,
        PromptPost,
    )
    by_space += (QuizAttempt, QuizPresentation, ReviewCard, ReviewLog, SavedQuestion, Report, MemberPlan)
    steps += [(model, col(model.space_id) == space_id) for model in by_space]
    steps += [
        (ChallengeRound, col(ChallengeRound.challenge_id).in_(challenges)),
        (Challenge, col(Challenge.space_id) == space_id),
        (PairingFeedback, col(PairingFeedback.space_id) == space_id),
        (PairingNote, col(PairingNote.space_id) == space_id),
        (PairingSeat, col(PairingSeat.round_id).in_(rounds)),
        (PairingRound, col(PairingRound.space_id) == space_id),
        (PairingOptIn, col(PairingOptIn.space_id) == space_id),
        (Organizer, col(Organizer.space_id) == space_id),
        (Delivery, col(Delivery.space_id) == space_id),
        (PostSlot, col(PostSlot.space_id) == space_id),
        # The purge's own claim stays (housekeeping prunes it): a replica starting today
        # must not claim the space again while this one works through it.
        (DailyClaim, and_(col(DailyClaim.space_id) == space_id, col(DailyClaim.kind) != DailyKind.PURGE)),
    ]
    return steps


async def purge_batch(
    session: AsyncSession, *, space_id: int, uninstalled_before: dt.datetime, limit: int, now: dt.datetime
) -> int | None:
    """One batch of an uninstalled space's data; 0 once all is gone (the space is then marked purged).

    None when the space is not due (any more): reinstalled, or removed too recently.
    The space's row is read under a lock on PostgreSQL, so a reinstall that commits
    first stops the purge, and one that comes later waits for this batch.
    """
    check = select(col(Space.id)).where(col(Space.id) == space_id, _due(uninstalled_before))
    if is_postgres(session):
        check = check.with_for_update()
    if (await session.execute(check)).first() is None:
        return None
    for model, where in _purge_steps(space_id):
        if n := await _batch(session, model, where, limit):
            return n
    # Members and channels point at each other (who set a schedule, where a plan goes): the
    # pointers go first, a batch at a time. A row unlinked is committed and no longer matches,
    # so a purge that stopped midway carries on where it stopped.
    if n := await _unlink(session, Channel, col(Channel.schedule_set_by), space_id=space_id, limit=limit):
        return n
    if n := await _unlink(session, Member, col(Member.plan_channel_id), space_id=space_id, limit=limit):
        return n
    for model, where in (
        (Member, col(Member.space_id) == space_id),
        (Channel, col(Channel.space_id) == space_id),
    ):
        if n := await _batch(session, model, where, limit):
            return n
    await session.execute(update(Space).where(col(Space.id) == space_id).values(purged_at=now, name=""))
    return 0
