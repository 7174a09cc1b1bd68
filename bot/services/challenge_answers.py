"""One answer to a challenge round: one try per member, and one winner per round.

The win is an atomic ``UPDATE … WHERE winner_id IS NULL`` (``bot.store.challenges``),
so two answers in the same instant give one winner. Callers judge the answer
(a button's choice, or ``bot.quiz.judge_typed``) and decide which round it is for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot import quiz
from bot.services import quiz as practice
from bot.store import challenges as store
from bot.store import quizzes as attempts
from bot.store.enums import QuizMode
from bot.store.models import Challenge, ChallengeRound, Member

ROUND = dt.timedelta(seconds=quiz.ROUND_SECONDS)


@dataclass(frozen=True)
class Outcome:
    """What one answer did: won, late, wrong, already (answered this round) or closed."""

    kind: str
    points: int = 0


async def settle(
    session: AsyncSession,
    *,
    member: Member,
    challenge: Challenge,
    rnd: ChallengeRound,
    topic: str,
    correct: bool,
    now: dt.datetime,
    target: float,
) -> Outcome:
    """Record one answer to a round: one try per member, and one winner per round."""
    assert member.id is not None and challenge.id is not None and rnd.id is not None
    await store.touch(session, challenge_id=challenge.id, at=now)
    item, member_id = rnd.item_id, member.id

    async def attempt() -> bool:
        return await attempts.record_attempt(
            session,
            space_id=member.space_id,
            member_id=member_id,
            item_id=item,
            topic=topic,
            mode=QuizMode.CHALLENGE,
            token=f"challenge:{rnd.id}",
            correct=correct,
            at=now,
        )

    if rnd.closed_at is not None:
        # Under SQLite's serialised writers a rival's win shows up here rather than as a lost update.
        if correct and rnd.winner_id is not None:
            await attempt()  # a right answer a moment late: this member played the round
            return Outcome("late")
        return Outcome("closed")
    first = await attempt()
    if not first:
        return Outcome("already")
    # A right answer moves a card the member already has (evidence of recall); a miss makes or moves it.
    await practice.update_card(
        session,
        space_id=member.space_id,
        member_id=member.id,
        item_id=item,
        mode=QuizMode.CHALLENGE,
        correct=correct,
        now=now,
        token=f"challenge:{rnd.id}",
        target=target,
    )
    if not correct:
        return Outcome("wrong")
    if not await store.claim_win(session, round_id=rnd.id, member_id=member.id, at=now):
        return Outcome("late")
    # The points reach the ledger when the challenge ends, and only with company (see bank()).
    return Outcome("won", quiz.challenge_points(now - rnd.started_at, ROUND))
