"""The life of a challenge round: asking its question, announcing it, and moving on.

The first correct answer wins a round (``bot.services.challenge_answers``) and its
points go through the ledger under the round's key. Whoever closes a round (a
winner, or the clock's tick in ``bot.services.challenge_clock``) posts its summary
and opens the next one; opening is an insert on (challenge, round) that also leases
the question's post, so only one of them posts it. A round's clock starts when its
question arrives; until then nobody answers it, and a failed post is retried.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from bot import quiz
from bot.buttons import ChallengeAnswer
from bot.content import Pack
from bot.content_schema import FreeText, MultipleChoice
from bot.domain import ChannelRef, MemberRef
from bot.ports import ChatPort, Undeliverable, find_posted
from bot.services import challenge_messages as msg
from bot.services.challenge_answers import ROUND as ROUND
from bot.services.challenge_answers import Outcome as Outcome
from bot.services.challenge_answers import settle as settle
from bot.services.context import ServiceContext
from bot.services.delivery import CHANNEL_GONE, METRIC, send_direct
from bot.services.leases import renewing
from bot.store import challenges as store
from bot.store import ledger, reports
from bot.store.models import Challenge, ChallengeRound

log = logging.getLogger(__name__)
ANSWER = ChallengeAnswer.ACTION
IDLE = dt.timedelta(seconds=quiz.IDLE_SECONDS)
MIN_PLAYERS = 2  # challenge points count only when at least this many members played
NO_COMPANY = "No points this time: challenge points count when at least two members play."
# A typed answer sent sooner than this after a round's question was posted was meant for the
# round before (nobody reads a question in under a second and a half): it is not judged against
# this one, and the member's try for it stays open.
REACTION = dt.timedelta(seconds=1.5)
STALLED = dt.timedelta(seconds=5)  # a round closed this long ago with no next one: its poster failed
# A question's post is leased (renewed while it runs) so one process posts it; a failed
# post is retried by the clock's ticks 5, 10 and 20 seconds later, then the challenge stops.
POST_LEASE = dt.timedelta(seconds=20)
POST_ATTEMPTS = msg.POST_TRIES
POST_BACKOFF = dt.timedelta(seconds=5)
QuizItem = MultipleChoice | FreeText


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


def shown(rnd: ChallengeRound) -> bool:
    """Whether members saw the round's question (it is open to answers and on the clock).

    A round with no post attempt was stored by a replica still on the code before
    0020_chalpost, which posted it under the old rule: it counts as shown, never posted again.
    """
    return rnd.posted_at is not None or rnd.post_attempts == 0


async def post_round(
    ctx: ServiceContext,
    port: ChatPort,
    channel: ChannelRef,
    challenge: Challenge,
    rnd: ChallengeRound,
    *,
    attempt: int = 1,
    until: dt.datetime | None = None,
) -> None:
    """Post the question of a stored round whose post lease the caller was given (``until``).

    The lease is taken again right before the post, and nothing is posted when it is no
    longer the caller's (a tick took it over) or the round or challenge ended meanwhile.

    The round's clock starts when the question arrives. A failed post leaves it
    unposted (neither timed out nor answerable) for a later tick to retry
    (``bot.services.challenge_clock``); after ``POST_ATTEMPTS``, or when only a person
    can fix the channel, the challenge stops and says so. A retry first looks for a copy
    that reached the platform though its answer was lost (``find_posted``, by the post's
    key; Discord's nonce does the same), where the platform can tell.
    """
    assert rnd.id is not None and challenge.id is not None
    round_id = rnd.id
    held = until or rnd.post_lease_until
    assert held is not None
    item = pool(ctx.library.default, None)[rnd.item_id]
    # Taken again right before posting: the lease may have run out while the caller posted
    # something else first (a slow summary or intro) and a tick taken the question over, or
    # the challenge been stopped meanwhile. Either way this poster leaves it alone.
    lease = [ctx.clock.now() + POST_LEASE]
    async with ctx.db.unit() as session:
        if not await store.renew_post(session, round_id=round_id, held_until=held, until=lease[0]):
            log.info(
                "challenge %s: round %s's question left alone (its lease was taken over, or it ended)",
                challenge.id,
                rnd.round_no,
            )
            return

    async def renew(session: AsyncSession, was: dt.datetime, new: dt.datetime) -> bool:
        return await store.renew_post(session, round_id=round_id, held_until=was, until=new)

    def held_to(new: dt.datetime) -> None:
        lease[0] = new  # only once committed: post_failed must name the lease the database has

    try:
        # Renewed while the port waits out a 429, so that no other tick posts it again.
        async with renewing(
            ctx,
            renew,
            until=lease[0],
            length=POST_LEASE,
            what=f"challenge round {round_id}",
            renewed_to=held_to,
        ):
            question = msg.question(item, challenge, rnd)
            # An earlier attempt may have reached the platform and lost its answer.
            earlier = await find_posted(port, channel, question.key or "") if attempt > 1 else None
            ref = earlier or await port.post(channel, question)
    except Exception as exc:
        gone = exc.reason if isinstance(exc, Undeliverable) and exc.reason in CHANNEL_GONE else None
        ctx.metrics.inc(METRIC, reason=gone or "error")
        last = gone is not None or attempt >= POST_ATTEMPTS
        log.warning(
            "challenge %s: round %s's question was not posted (attempt %s of %s)%s",
            challenge.id,
            rnd.round_no,
            attempt,
            POST_ATTEMPTS,
            "; stopping the challenge" if last else "; a later tick retries it",
            exc_info=gone is None,
        )
        if last:
            await give_up(ctx, port, channel, challenge, rnd, gone)
            return
        async with ctx.db.unit() as session:
            retry_at = ctx.clock.now() + POST_BACKOFF * 2 ** (attempt - 1)
            # Only by the lease's holder: a poster whose lease ran out leaves the new holder's alone.
            await store.post_failed(session, round_id=round_id, held_until=lease[0], retry_at=retry_at)
        return
    async with ctx.db.unit() as session:
        await store.set_posted(session, round_id=round_id, message_id=ref.id, at=ctx.clock.now())


async def give_up(
    ctx: ServiceContext,
    port: ChatPort,
    channel: ChannelRef,
    challenge: Challenge,
    rnd: ChallengeRound,
    gone: str | None,
) -> None:
    """Stop a challenge whose next question could not be posted, and say what to do (once).

    ``gone``: the ``Undeliverable`` reason when only a person can fix the channel. When
    the channel refuses the final post too, its starter hears it directly.
    """
    assert challenge.id is not None and rnd.id is not None
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        if not await store.finish(session, challenge_id=challenge.id, at=now):
            return  # stopped meanwhile, or another tick gave up first
        await store.close_round(session, round_id=rnd.id, at=now)
        counted = await bank(session, challenge=challenge)
        scores = await standings(session, challenge_id=challenge.id)
        starter = await store.member_ref(session, member_id=challenge.started_by, space=channel.space)
    told = msg.unposted(rnd.round_no, channel.space.platform, gone)
    try:
        await port.post(channel, msg.final(scores, ending(told, counted)))
    except Exception as exc:
        log.warning("challenge %s: its final post failed too (%s)", challenge.id, type(exc).__name__)
        told = msg.unposted(rnd.round_no, channel.space.platform, gone, f"#{channel.name or channel.id}")
        await send_direct(ctx, port, starter, msg.final(scores, ending(told, counted)))


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
                    session,
                    challenge_id=challenge.id,
                    round_no=rnd.round_no + 1,
                    item_id=item_id,
                    at=now,
                    lease=POST_LEASE,
                )
        scores = await standings(session, challenge_id=challenge.id)
    item = pool(ctx.library.default, None).get(rnd.item_id)
    if headline is not None and item is not None:
        try:
            await port.post(channel, msg.round_summary(item, headline, scores, ctx.library.default.id))
        except Exception as exc:  # noqa: BLE001 - the next question still goes: its post handles refusals
            log.warning(
                "challenge %s: round %s's summary was not posted (%s)",
                challenge.id,
                rnd.round_no,
                type(exc).__name__,
            )
    if ended:
        await port.post(channel, msg.final(scores, ending(stop_reason or "All rounds played.", counted)))
    elif nxt is not None:
        await post_round(ctx, port, channel, challenge, nxt)
