"""``/prep challenge [topic] [rounds]``: a timed quiz for the whole channel, like Red's trivia.

Members answer by button or by typing in the channel. The first correct answer
wins the round through an atomic ``UPDATE … WHERE winner_id IS NULL`` (see
``bot.store.challenges``), so two answers in the same instant give one winner,
and its points go through the ledger under the round's key. Rounds time out and
idle challenges stop on the clock's ticks. One challenge runs per channel at a
time (``Challenge.active_slot``); the starter or an admin can stop it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot import quiz
from bot.content import Pack
from bot.content_schema import FreeText, MultipleChoice
from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.events import Event, MessagePosted
from bot.ports import ChatPort
from bot.services import challenge_messages as msg
from bot.services import quiz as practice
from bot.services.context import ServiceContext, UserError
from bot.store import challenges as store
from bot.store import ledger
from bot.store import quizzes as attempts
from bot.store.models import Challenge, ChallengeRound, Member
from bot.store.tenants import ensure_channel, ensure_member, find_channel

if TYPE_CHECKING:
    from bot.router import Prepbot, Turn

log = logging.getLogger(__name__)
ANSWER = "challenge.answer"
ROUND = dt.timedelta(seconds=quiz.ROUND_SECONDS)
IDLE = dt.timedelta(seconds=quiz.IDLE_SECONDS)
STALLED = dt.timedelta(seconds=5)  # a round closed this long ago with no next one: its poster failed
QuizItem = MultipleChoice | FreeText


@dataclass(frozen=True)
class Outcome:
    """What one answer did: won, late, wrong, already (answered this round) or closed."""

    kind: str
    points: int = 0


def pool(pack: Pack, topic: str | None) -> dict[str, QuizItem]:
    return {i.id: i for i in pack.quiz_items(topic=topic) if isinstance(i, MultipleChoice | FreeText)}


def parse_args(pack: Pack, args: tuple[str, ...]) -> tuple[str | None, int]:
    """``[topic] [rounds]`` in either order; rounds are kept between 1 and MAX_ROUNDS."""
    topic, rounds = None, quiz.DEFAULT_ROUNDS
    for word in args:
        if word.isdigit():
            rounds = max(1, min(quiz.MAX_ROUNDS, int(word)))
        elif topic is None:
            topic = word.casefold().strip("`")
        else:
            raise UserError("Usage: `/prep challenge [topic] [rounds]`, or `/prep challenge stop`.")
    if topic is not None and not pool(pack, topic):
        listed = ", ".join(f"`{t.id}`" for t in pack.topics if pool(pack, t.id))
        raise UserError(f"I don't know the topic `{topic}`. Topics with quiz questions: {listed}.")
    return topic, rounds


def choose_item(ctx: ServiceContext, topic: str | None, used: list[str]) -> str:
    """A question not yet asked in this challenge (least asked, once the topic runs out)."""
    return quiz.pick_item(list(pool(ctx.library.default, topic)), Counter(used), ctx.rng)


async def command(turn: Turn, args: tuple[str, ...]) -> None:
    """Start a challenge in the channel (claimed before anything is posted), or stop it."""
    if args and args[0].casefold() in ("stop", "end"):
        await stop(turn)
        return
    ctx = turn.ctx
    topic, rounds = parse_args(ctx.library.default, args)
    if not pool(ctx.library.default, topic):
        raise UserError("This pack has no quiz questions yet.")
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=turn.channel)
        member = await ensure_member(session, ref=turn.member)
        assert channel.id is not None and member.id is not None
        challenge = await store.start(
            session,
            space_id=channel.space_id,
            channel_id=channel.id,
            member_id=member.id,
            topic=topic,
            rounds=rounds,
            delivery_key=f"cmd:{turn.delivery_id}",
            at=now,
        )
        if challenge is None:
            raise UserError("A challenge is already running here. `/prep challenge stop` ends it.")
        assert challenge.id is not None
        first = await store.add_round(
            session, challenge_id=challenge.id, round_no=1, item_id=choose_item(ctx, topic, []), at=now
        )
    await turn.post(msg.intro(turn.member.label, challenge, ctx.library.default))
    if first is not None:
        await post_round(ctx, turn.port, turn.channel, challenge, first)


async def post_round(
    ctx: ServiceContext, port: ChatPort, channel: ChannelRef, challenge: Challenge, rnd: ChallengeRound
) -> None:
    """Post the question of a round that is already stored, then remember its message."""
    item = pool(ctx.library.default, None)[rnd.item_id]
    ref = await port.post(channel, msg.question(item, challenge, rnd, ANSWER))
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
) -> Outcome:
    """Record one answer to a round: one try per member, and one winner per round."""
    assert member.id is not None and challenge.id is not None and rnd.id is not None
    await store.touch(session, challenge_id=challenge.id, at=now)
    if rnd.closed_at is not None:
        return Outcome("closed")
    item = rnd.item_id
    first = await attempts.record_attempt(
        session,
        space_id=member.space_id,
        member_id=member.id,
        item_id=item,
        topic=topic,
        mode="challenge",
        token=f"challenge:{rnd.id}",
        correct=correct,
        at=now,
    )
    if not first:
        return Outcome("already")
    if not correct:
        await practice.update_card(
            session,
            space_id=member.space_id,
            member_id=member.id,
            item_id=item,
            mode="challenge",
            correct=False,
            now=now,
        )
        return Outcome("wrong")
    if not await store.claim_win(session, round_id=rnd.id, member_id=member.id, at=now):
        return Outcome("late")
    points = quiz.challenge_points(now - rnd.started_at, ROUND)
    await ledger.award(
        session,
        space_id=member.space_id,
        member_id=member.id,
        points=points,
        reason="challenge",
        key=store.round_key(challenge.id, rnd.round_no),
        at=now,
    )
    return Outcome("won", points)


async def press(turn: Turn, value: str, message: MessageRef | None) -> None:
    """A choice button on a round's question: settle it, then announce a win or tell the member."""
    ctx = turn.ctx
    token, item_id, choice = practice.parse_answer(value)
    item = ctx.library.default.get(item_id)
    if not token.startswith("r") or not token[1:].isdigit() or not isinstance(item, MultipleChoice):
        raise UserError("That button is no longer active.")
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        member = await ensure_member(session, ref=turn.member)
        rnd = await store.get_round(session, round_id=int(token[1:]))
        challenge = await store.get(session, challenge_id=rnd.challenge_id) if rnd else None
        if (
            rnd is None
            or challenge is None
            or challenge.space_id != member.space_id
            or rnd.item_id != item_id
        ):
            raise UserError("That button is no longer active.")
        outcome = await settle(
            session,
            member=member,
            challenge=challenge,
            rnd=rnd,
            topic=ctx.library.default.topic_of(item_id),
            correct=choice == item.answer_index,
            now=now,
        )
        winner = await store.winner_name(session, round_id=int(token[1:])) if outcome.kind == "late" else None
        channel = await store.channel_ref(session, channel_id=challenge.channel_id)
    if outcome.kind == "won":
        await announce_win(ctx, turn.port, channel, challenge, rnd, turn.member, outcome.points, now)
    else:
        await turn.whisper(msg.private_outcome(outcome.kind, winner))


async def typed(ctx: ServiceContext, port: ChatPort, event: Event) -> bool:
    """A top-level message in a channel with an open round: consumed when it is an answer."""
    if not isinstance(event, MessagePosted) or event.message.thread_id is not None:
        return False
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        found = await open_round(session, event.message.channel)
        if found is None:
            return False
        challenge, rnd = found
        item = pool(ctx.library.default, None).get(rnd.item_id)
        verdict = quiz.judge_typed(item, event.text) if item is not None else quiz.Verdict.NO_MATCH
        assert challenge.id is not None
        await store.touch(session, challenge_id=challenge.id, at=now)
        if verdict is quiz.Verdict.NO_MATCH:
            return False  # ordinary chat: other features may want it, and guessing stays free
        member = await ensure_member(session, ref=event.member)
        outcome = await settle(
            session,
            member=member,
            challenge=challenge,
            rnd=rnd,
            topic=ctx.library.default.topic_of(rnd.item_id),
            correct=verdict is quiz.Verdict.CORRECT,
            now=now,
        )
    if outcome.kind == "won":
        await announce_win(
            ctx, port, event.message.channel, challenge, rnd, event.member, outcome.points, now
        )
    return True


async def open_round(session: AsyncSession, channel: ChannelRef) -> tuple[Challenge, ChallengeRound] | None:
    """The channel's running challenge and its open round, without creating anything."""
    row = await find_channel(session, ref=channel)
    challenge = await store.active_in(session, channel_id=row.id) if row and row.id else None
    if challenge is None or challenge.id is None:
        return None
    rounds = await store.rounds_of(session, challenge_id=challenge.id)
    if not rounds or rounds[-1].closed_at is not None:
        return None
    return challenge, rounds[-1]


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
    nxt, ended = None, False
    async with ctx.db.unit() as session:
        if rnd.round_no >= challenge.rounds or stop_reason is not None:
            ended = await store.finish(session, challenge_id=challenge.id, at=now)
        else:
            used = [r.item_id for r in await store.rounds_of(session, challenge_id=challenge.id)]
            item_id = choose_item(ctx, challenge.topic, used)
            nxt = await store.add_round(
                session, challenge_id=challenge.id, round_no=rnd.round_no + 1, item_id=item_id, at=now
            )
        scores = await store.scores(session, space_id=challenge.space_id, challenge_id=challenge.id)
    item = pool(ctx.library.default, None).get(rnd.item_id)
    if headline is not None and item is not None:
        await port.post(channel, msg.round_summary(item, headline, scores))
    if ended:
        await port.post(channel, msg.final(scores, stop_reason or "All rounds played."))
    elif nxt is not None:
        await post_round(ctx, port, channel, challenge, nxt)


async def stop(turn: Turn) -> None:
    """``/prep challenge stop``: the starter or an admin ends the channel's challenge."""
    now = turn.ctx.clock.now()
    async with turn.ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=turn.channel)
        member = await ensure_member(session, ref=turn.member)
        challenge = await store.active_in(session, channel_id=channel.id) if channel.id else None
        if challenge is None or challenge.id is None:
            raise UserError("No challenge is running in this channel.")
        if challenge.started_by != member.id and not turn.member.is_admin:
            starter = await store.member_name(session, member_id=challenge.started_by)
            raise UserError(f"Only {starter}, who started this challenge, or an admin can stop it.")
        ended = await store.finish(session, challenge_id=challenge.id, at=now)
        for rnd in await store.rounds_of(session, challenge_id=challenge.id):
            if rnd.id is not None and rnd.closed_at is None:
                await store.close_round(session, round_id=rnd.id, at=now)
        scores = await store.scores(session, space_id=challenge.space_id, challenge_id=challenge.id)
    if ended:
        await turn.post(msg.final(scores, f"Stopped by {turn.member.label}."))


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
    idle = now - challenge.last_activity_at >= IDLE
    reason = f"Stopped: nobody answered for {quiz.IDLE_SECONDS // 60} minutes." if idle else None
    await next_step(ctx, port, channel, challenge, current, headline, reason)


def install(bot: Prepbot) -> None:
    bot.command("challenge", command)
    bot.button(ANSWER, press)
    bot.on_message(typed)
    bot.on_tick(tick)
