"""``/prep challenge [topic] [rounds]``: a timed quiz for the whole channel, like Red's trivia.

Members answer by button or by typing in the channel; typed answers are judged
by ``bot.quiz`` (normalised, a small typo forgiven, never a word inside another
word), and count for a round only when sent at least ``REACTION`` after its
question was posted (an answer meant for the round before is never judged
against this one); a wrong typed answer gets quiet feedback (a reaction where
the platform takes one, else a private note). One challenge runs per channel
at a time (``Challenge.active_slot``);
the starter or an admin can stop it; rounds time out and idle challenges stop
on the clock's ticks (``bot.services.challenge_clock``), which also retry a
question whose post failed: until it is posted, nobody answers it.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot import quiz
from bot.buttons import ChallengeAnswer
from bot.content import Pack
from bot.content_schema import MultipleChoice
from bot.domain import ChannelRef, MessageRef
from bot.events import Event, MessagePosted
from bot.feature import Feature, button
from bot.ports import ChatPort, react
from bot.render import OutboundMessage
from bot.services import challenge_messages as msg
from bot.services import public_posts
from bot.services import quiz as practice
from bot.services.challenge_clock import tick
from bot.services.challenge_rounds import (
    POST_LEASE,
    REACTION,
    announce_win,
    bank,
    choose_item,
    ending,
    pool,
    post_round,
    settle,
    shown,
    standings,
)
from bot.services.context import ServiceContext, UserError
from bot.services.public_posts import CHALLENGE
from bot.store import challenges as store
from bot.store import reports
from bot.store.models import Challenge, ChallengeRound
from bot.store.tenants import ensure_channel, ensure_member, find_channel
from bot.unsaved import not_told

if TYPE_CHECKING:
    from bot.turn import Turn

log = logging.getLogger(__name__)

# A number where rounds go, signed or not, so `-3` is a bad count and not a topic.
NUMBER = re.compile(r"^[+-]?\d+$")
ALL_REPORTED = (
    "Every question here has an open problem report, so a challenge would have nothing to ask. "
    "Pick another topic, or ask whoever runs prepbot to check them (`prepbot content reports`)."
)


def parse_args(pack: Pack, args: tuple[str, ...]) -> tuple[str | None, int]:
    """``[topic] [rounds]`` in either order; rounds outside 1..MAX_ROUNDS are refused, not clipped."""
    topic, rounds = None, quiz.DEFAULT_ROUNDS
    for word in args:
        if NUMBER.match(word):
            rounds = int(word)
            if not 1 <= rounds <= quiz.MAX_ROUNDS:
                raise UserError(
                    f"rounds must be between 1 and {quiz.MAX_ROUNDS} (you asked for {word}). "
                    f"Try `/prep challenge {topic + ' ' if topic else ''}{quiz.DEFAULT_ROUNDS}`."
                )
        elif topic is None:
            topic = word.casefold().strip("`")
        else:
            raise UserError("Usage: `/prep challenge [topic] [rounds]`, or `/prep challenge stop`.")
    if topic is not None and not pool(pack, topic):
        listed = ", ".join(f"`{t.id}`" for t in pack.topics if pool(pack, t.id))
        raise UserError(f"{practice.topic_problem(pack, topic)} Topics with quiz questions: {listed}.")
    return topic, rounds


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
        held = await reports.open_items(session, space_id=channel.space_id, pack_id=ctx.library.default.id)
        first_item = choose_item(ctx, topic, [], held)
        if first_item is None:
            raise UserError(ALL_REPORTED)
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
        try:
            await public_posts.take(
                session,
                limit=CHALLENGE,
                space_id=channel.space_id,
                channel_id=channel.id,
                member_id=member.id,
                now=now,
            )
        except public_posts.Full:
            # Raised inside the unit: the challenge just claimed is rolled back with it.
            again = public_posts.next_window(CHALLENGE, now).strftime("%H:%M UTC")
            raise UserError(
                f"Challenges are limited to {CHALLENGE.per_member} per member and "
                f"{CHALLENGE.per_channel} per channel each hour, and this hour's are used. "
                f"Try again after {again}, or practise privately with `/prep quiz`."
            ) from None
        first = await store.add_round(
            session, challenge_id=challenge.id, round_no=1, item_id=first_item, at=now, lease=POST_LEASE
        )
    await turn.post(msg.intro(turn.member.label, challenge, ctx.library.default))
    if first is not None:
        await post_round(ctx, turn.port, turn.channel, challenge, first)


async def press(turn: Turn, value: ChallengeAnswer, message: MessageRef | None) -> None:
    """A choice button on a round's question: settle it, then announce a win or tell the member."""
    ctx = turn.ctx
    round_id, item_id, choice = value.round_id, value.item_id, value.choice
    item = ctx.library.default.get(item_id)
    if not isinstance(item, MultipleChoice):
        raise UserError("That button is no longer active.")
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        member = await ensure_member(session, ref=turn.member)
        rnd = await store.get_round(session, round_id=round_id)
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
            target=ctx.settings.target_recall,
        )
        winner = await store.winner_name(session, round_id=round_id) if outcome.kind == "late" else None
        channel = await store.channel_ref(session, channel_id=challenge.channel_id)
    if outcome.kind == "won":
        await announce_win(ctx, turn.port, channel, challenge, rnd, turn.member, outcome.points, now)
    else:
        await turn.whisper(msg.private_outcome(outcome.kind, winner))


async def typed(ctx: ServiceContext, port: ChatPort, event: Event) -> bool:
    """A top-level message in a channel with a running challenge: consumed when it is an answer.

    An answer sent within ``REACTION`` of a round's question was meant for the round
    before: it is judged against that one (now closed: "answered first", or over)
    and never uses up the member's try for the new round.
    """
    if not isinstance(event, MessagePosted) or event.message.thread_id is not None:
        return False
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        found = await latest_round(session, event.message.channel)
        if found is None:
            return False
        challenge, current = found
        assert challenge.id is not None
        await store.touch(session, challenge_id=challenge.id, at=now)
        rnd: ChallengeRound | None = current
        if now - current.started_at < REACTION:
            rounds = await store.rounds_of(session, challenge_id=challenge.id)
            rnd = next((r for r in rounds if r.round_no == current.round_no - 1), None)
        item = pool(ctx.library.default, None).get((rnd or current).item_id)
        verdict = quiz.judge_typed(item, event.text) if item is not None else quiz.Verdict.NO_MATCH
        if verdict is quiz.Verdict.NO_MATCH:
            return False  # ordinary chat: other features may want it, and guessing stays free
        if rnd is not None:
            member = await ensure_member(session, ref=event.member)
            outcome = await settle(
                session,
                member=member,
                challenge=challenge,
                rnd=rnd,
                topic=ctx.library.default.topic_of(rnd.item_id),
                correct=verdict is quiz.Verdict.CORRECT,
                now=now,
                target=ctx.settings.target_recall,
            )
            late = await store.winner_name(session, round_id=rnd.id or 0) if outcome.kind == "late" else None
    # The play committed with the delivery's claim: telling its outcome is best effort and never
    # gives the claim back. A next round stored but not posted is posted again by a tick.
    try:
        if rnd is None:  # the first round's question had only just appeared
            await _quietly(port, event, msg.too_soon(current.round_no, event.text))
        elif outcome.kind == "won":
            await announce_win(
                ctx, port, event.message.channel, challenge, rnd, event.member, outcome.points, now
            )
        elif outcome.kind == "wrong":
            # Quiet feedback: a reaction where the platform takes one, else a note only they see.
            if not await react(port, event.message, "x"):
                await _quietly(port, event, msg.private_outcome("wrong", None))
        elif rnd is not current or outcome.kind in ("late", "closed"):
            # A right answer just after the round was won or timed out is a play too: say so.
            await _quietly(port, event, msg.private_outcome(outcome.kind, late))
    except Exception as exc:  # no traceback: the reply to a too-early answer quotes it
        not_told(
            ctx.metrics,
            log,
            exc,
            "challenge %s: a typed answer's outcome was not told",
            challenge.id,
            traceback=False,
        )
    return True


async def _quietly(port: ChatPort, event: MessagePosted, text: str) -> None:
    await port.whisper(event.message.channel, event.member, OutboundMessage(text=text))


async def latest_round(session: AsyncSession, channel: ChannelRef) -> tuple[Challenge, ChallengeRound] | None:
    """The channel's running challenge and its latest posted round (open, or just won), creating nothing.

    A round stays the latest from its win until the next question is posted: a right
    answer typed in that moment is a play of the round ("late"), not chat that is lost.
    """
    row = await find_channel(session, ref=channel)
    challenge = await store.active_in(session, channel_id=row.id) if row and row.id else None
    if challenge is None or challenge.id is None:
        return None
    # A question not posted yet (its post failed, a tick retries it) was seen by nobody.
    rounds = [r for r in await store.rounds_of(session, challenge_id=challenge.id) if shown(r)]
    return (challenge, rounds[-1]) if rounds else None


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
        counted = ended and await bank(session, challenge=challenge)
        scores = await standings(session, challenge_id=challenge.id)
    if ended:
        await turn.post(msg.final(scores, ending(f"Stopped by {turn.member.label}.", counted)))


FEATURE = Feature(
    "challenge",
    commands={"challenge": command},
    buttons=(button(ChallengeAnswer, press),),
    messages=(typed,),
    ticks=(tick,),
)
