"""The life of a challenge round: asking, settling answers, timing out, and moving on.

The first correct answer wins a round through an atomic ``UPDATE … WHERE
winner_id IS NULL`` (see ``bot.store.challenges``), so two answers in the same
instant give one winner, and its points go through the ledger under the
round's key. Whoever closes a round (a winner, or the clock's tick) posts its
summary and opens the next one; opening is an insert on (challenge, round), so
only one of them posts it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot import quiz
from bot.buttons import ChallengeAnswer
from bot.content import Pack
from bot.content_schema import FreeText, MultipleChoice
from bot.domain import ChannelRef, MemberRef
from bot.ports import ChatPort
from bot.services import challenge_messages as msg
from bot.services import quiz as practice
from bot.services.context import ServiceContext
from bot.store import challenges as store
from bot.store import ledger, reports
from bot.store import quizzes as attempts
from bot.store.enums import QuizMode
from bot.store.models import Challenge, ChallengeRound, Member

log = logging.getLogger(__name__)
ANSWER = ChallengeAnswer.ACTION
ROUND = dt.timedelta(seconds=quiz.ROUND_SECONDS)
IDLE = dt.timedelta(seconds=quiz.IDLE_SECONDS)
MIN_PLAYERS = 2  # challenge points count only when at least this many members played
NO_COMPANY = "No points this time: challenge points count when at least two members play."
# A typed answer sent sooner than this after a round's question was posted was meant for the
# round before (nobody reads a question in under a second and a half): it is not judged against
# this one, and the member's try for it stays open.
REACTION = dt.timedelta(seconds=1.5)
STALLED = dt.timedelta(seconds=5)  # a round closed this long ago with no next one: its poster failed
QuizItem = MultipleChoice | FreeText


@dataclass(frozen=True)
class Outcome:
    """What one answer did: won, late, wrong, already (answered this round) or closed."""

    kind: str
    points: int = 0


def pool(pack: Pack, topic: str | None) -> dict[str, QuizItem]:
    return {i.id: i for i in pack.quiz_items(topic=topic) if isinstance(i, MultipleChoice | FreeText)}


def choose_item(
    ctx: ServiceContext, topic: str | None, used: list[str], held: Collection[str] = ()
) -> str | None:
    """A question not yet asked in this challenge (least asked, once the topic runs out).

    Questions in ``held`` (open problem reports) are never asked; None when that
    leaves nothing to ask.
    """
    candidates = [i for i in pool(ctx.library.default, topic) if i not in held]
    return quiz.pick_item(candidates, Counter(used), ctx.rng) if candidates else None


async def post_round(
    ctx: ServiceContext, port: ChatPort, channel: ChannelRef, challenge: Challenge, rnd: ChallengeRound
) -> None:
    """Post the question of a round that is already stored, then remember its message."""
    item = pool(ctx.library.default, None)[rnd.item_id]
    ref = await port.post(channel, msg.question(item, challenge, rnd))
    async with ctx.db.unit() as session:
        assert rnd.id is not None
        await store.set_message(session, round_id=rnd.id, message_id=ref.id)


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
    if not correct:
        await practice.update_card(
            session,
            space_id=member.space_id,
            member_id=member.id,
            item_id=item,
            mode=QuizMode.CHALLENGE,
            correct=False,
            now=now,
            token=f"challenge:{rnd.id}",
            target=target,
        )
        return Outcome("wrong")
    # A win moves a card the member already has (a right answer is evidence of recall).
    await practice.update_card(
        session,
        space_id=member.space_id,
        member_id=member.id,
        item_id=item,
        mode=QuizMode.CHALLENGE,
        correct=True,
        now=now,
        token=f"challenge:{rnd.id}",
        target=target,
    )
    if not await store.claim_win(session, round_id=rnd.id, member_id=member.id, at=now):
        return Outcome("late")
    # The points reach the ledger when the challenge ends, and only with company (see bank()).
    return Outcome("won", quiz.challenge_points(now - rnd.started_at, ROUND))


async def standings(session: AsyncSession, *, challenge_id: int) -> list[tuple[str, int]]:
    """(name, points) won in this challenge so far, best first, computed from its won rounds."""
    totals: dict[str, int] = {}
    for _, _, name, started, won in await store.wins(session, challenge_id=challenge_id):
        totals[name] = totals.get(name, 0) + quiz.challenge_points(won - started, ROUND)
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


async def bank(session: AsyncSession, *, challenge: Challenge) -> bool:
    """At the end, write the rounds' points to the ledger when at least two members played.

    One member alone in a channel could otherwise farm points from the public pack;
    with a second player the rounds were contested. Keys per round keep it once.
    """
    assert challenge.id is not None
    if await store.players(session, challenge_id=challenge.id) < MIN_PLAYERS:
        return False
    for round_no, member_id, _, started, won in await store.wins(session, challenge_id=challenge.id):
        await ledger.award(
            session,
            space_id=challenge.space_id,
            member_id=member_id,
            points=quiz.challenge_points(won - started, ROUND),
            reason="challenge",
            key=store.round_key(challenge.id, round_no),
            at=won,
        )
    return True


def ending(reason: str, counted: bool) -> str:
    """The final post's reason, saying when the points did not count."""
    return reason if counted else f"{reason} {NO_COMPANY}"


async def announce_win(
    ctx: ServiceContext,
    port: ChatPort,
    channel: ChannelRef,
    challenge: Challenge,
    rnd: ChallengeRound,
    winner: MemberRef,
    points: int,
    now: dt.datetime,
) -> None:
    seconds = max(0.0, (now - rnd.started_at).total_seconds())
    headline = f"🏆 {winner.label} got it in {seconds:.0f}s: +{points} points."
    await next_step(ctx, port, channel, challenge, rnd, headline)


async def next_step(
    ctx: ServiceContext,
    port: ChatPort,
    channel: ChannelRef,
    challenge: Challenge,
    rnd: ChallengeRound,
    headline: str | None,
    stop_reason: str | None = None,
) -> None:
    """After a round closes: its summary, then the next question or the final standings."""
    assert challenge.id is not None
    now = ctx.clock.now()
    nxt, ended, counted = None, False, True
    async with ctx.db.unit() as session:
        fresh = await store.get(session, challenge_id=challenge.id)
        if fresh is None or fresh.active_slot is None:
            pass  # stopped meanwhile: the stop posted the standings; only this round's summary is left
        elif rnd.round_no >= challenge.rounds or stop_reason is not None:
            ended = await store.finish(session, challenge_id=challenge.id, at=now)
            counted = ended and await bank(session, challenge=challenge)
        else:
            used = [r.item_id for r in await store.rounds_of(session, challenge_id=challenge.id)]
            held = await reports.open_items(
                session, space_id=challenge.space_id, pack_id=ctx.library.default.id
            )
            item_id = choose_item(ctx, challenge.topic, used, held)
            if item_id is None:  # everything left was reported during the challenge
                stop_reason = "Every question left has an open problem report."
                ended = await store.finish(session, challenge_id=challenge.id, at=now)
                counted = ended and await bank(session, challenge=challenge)
            else:
                nxt = await store.add_round(
                    session, challenge_id=challenge.id, round_no=rnd.round_no + 1, item_id=item_id, at=now
                )
        scores = await standings(session, challenge_id=challenge.id)
    item = pool(ctx.library.default, None).get(rnd.item_id)
    if headline is not None and item is not None:
        await port.post(channel, msg.round_summary(item, headline, scores, ctx.library.default.id))
    if ended:
        await port.post(channel, msg.final(scores, ending(stop_reason or "All rounds played.", counted)))
    elif nxt is not None:
        await post_round(ctx, port, channel, challenge, nxt)


async def tick(ctx: ServiceContext, port: ChatPort) -> None:
    """Time out rounds, stop idle challenges, and resume a challenge whose next post failed."""
    async with ctx.db.unit() as session:
        running = [c.id for c in await store.all_active(session) if c.id is not None]
    for challenge_id in running:
        try:
            await check(ctx, port, challenge_id)
        except Exception:
            log.exception("challenge %s: timeout handling failed", challenge_id)


async def check(ctx: ServiceContext, port: ChatPort, challenge_id: int) -> None:
    """One challenge on the clock: whoever closes the round (a conditional update) posts."""
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        challenge = await store.get(session, challenge_id=challenge_id)
        rounds = await store.rounds_of(session, challenge_id=challenge_id)
        if challenge is None or challenge.active_slot is None or not rounds:
            return
        current = rounds[-1]
        channel = await store.channel_ref(session, channel_id=challenge.channel_id)
        if current.closed_at is None:
            if now - current.started_at < ROUND:
                return
            assert current.id is not None
            if not await store.close_round(session, round_id=current.id, at=now):
                return
            headline: str | None = "⏱ Time's up! Nobody got this one."
        elif now - current.closed_at >= STALLED:
            headline = None
        else:
            return
    # The last round ends the challenge anyway; "idle" only stops one with rounds to go.
    idle = now - challenge.last_activity_at >= IDLE and current.round_no < challenge.rounds
    reason = f"Stopped: nobody answered for {quiz.IDLE_SECONDS // 60} minutes." if idle else None
    await next_step(ctx, port, channel, challenge, current, headline, reason)
