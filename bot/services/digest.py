"""The reveal: close voting, post the ranked digest in the thread, award points once.

A prompt is revealed when its voting window ends (on a tick) or on ``/prep reveal``.
Taking the reveal lease is one conditional UPDATE, so a tick and an admin, or two
processes, never post two digests. Points go through the ledger under keys
derived from the prompt, so a retried reveal cannot award twice. How answers are
ranked and which are crowned: ``bot.services.digest_ranking``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.content_schema import Scenario
from bot.domain import MessageRef
from bot.feature import Feature
from bot.logs import log_context
from bot.render import OutboundMessage, Section, clip
from bot.services import leases
from bot.services.context import ServiceContext, UserError
from bot.services.digest_ranking import Ranked, crowned, ranked_answers, why_no_crown
from bot.services.prompts import pack_for, render_post, scenario_by_id, why_undeliverable
from bot.store import ledger
from bot.store import prompt_transitions as transitions
from bot.store import prompts as store
from bot.store.models import Channel, PromptPost, Space
from bot.store.ranking import voter_count
from bot.store.refs import prompt_post_ref
from bot.store.tenants import ensure_channel

if TYPE_CHECKING:
    from bot.ports import ChatPort
    from bot.turn import Turn

log = logging.getLogger(__name__)

POINTS_FOR_ANSWERING = 5
POINTS_PER_VOTE = 2
REVEAL_LEASE = dt.timedelta(seconds=20)  # as SEND_LEASE: one send, 429 waits included
FULL_TEXT_CHARS = 1500


def render_digest(scenario: Scenario | None, ranked: Sequence[Ranked], voters: int = 0) -> OutboundMessage:
    title = scenario.title if scenario else "this scenario"
    count = len(ranked)
    text = f"Voting is closed on “{title}”: {count} answer{'' if count == 1 else 's'}."
    sections: list[Section] = []
    if ranked:
        sections.append(Section("\n".join(r.line() for r in ranked), title="Results"))
        crowns = crowned(ranked)
        label = "Joint top answer" if len(crowns) > 1 else "Top answer"
        for entry in crowns:
            sections.append(
                Section(clip(entry.answer.text, FULL_TEXT_CHARS), title=f"{label}, by {entry.answer.author}")
            )
        if not crowns:
            sections.append(Section(why_no_crown(ranked, voters)))
    else:
        sections.append(Section("Nobody answered this time. The next scenario is a fresh chance."))
    if scenario is not None:
        sections.append(
            Section("\n".join(f"• {point}" for point in scenario.rubric), title="What a strong answer covers")
        )
        sections.append(
            Section("\n".join(f"• {q}" for q in scenario.follow_ups), title="Follow-ups to practise")
        )
    return OutboundMessage(
        text=text,
        sections=tuple(sections),
        footer=f"Answers earn {POINTS_FOR_ANSWERING} points, plus {POINTS_PER_VOTE} per vote received.",
    )


def award_key(prompt_id: int, member_id: int) -> str:
    """The ledger key of a member's awards on one prompt (``:answer`` and ``:votes`` follow)."""
    return f"prompt:{prompt_id}:member:{member_id}"


async def _award(session: AsyncSession, prompt: PromptPost, ranked: Sequence[Ranked]) -> None:
    for entry in ranked:
        member_id, key = entry.answer.member_id, award_key(prompt.id or 0, entry.answer.member_id)
        await ledger.award(
            session,
            space_id=prompt.space_id,
            member_id=member_id,
            points=POINTS_FOR_ANSWERING,
            reason="prompt-answer",
            key=f"{key}:answer",
        )
        if entry.votes:
            await ledger.award(
                session,
                space_id=prompt.space_id,
                member_id=member_id,
                points=POINTS_PER_VOTE * entry.votes,
                reason="prompt-votes",
                key=f"{key}:votes",
            )


async def reveal(
    ctx: ServiceContext, port: ChatPort, prompt_id: int, *, scheduled: bool = True
) -> Literal["revealed", "busy", "failed", "undeliverable"]:
    """Close voting and post the digest in the thread, if this call wins the reveal lease.

    A thread the bot can no longer post in (removed from the channel, archived) holds
    the digest back as ``stuck`` instead of retrying it every tick; when the tick
    (``scheduled``) found it, the channel's schedule pauses and its setter is told.
    """

    async def load(session: AsyncSession) -> tuple[PromptPost, Channel, Space, list[Ranked], int]:
        loaded = await store.load(session, prompt_id=prompt_id)
        assert loaded is not None
        ranked = await ranked_answers(session, prompt_id=prompt_id)
        return (*loaded, ranked, await voter_count(session, prompt_id=prompt_id))

    taken = await leases.take(
        ctx, prompt_id=prompt_id, length=REVEAL_LEASE, taker=transitions.take_reveal_lease, load=load
    )
    if taken is None:
        return "busy"
    lease, (prompt, channel, space, ranked, voters) = taken
    now = lease.taken_at
    scenario = scenario_by_id(pack_for(ctx, channel), prompt.scenario_id)
    assert prompt.message_id is not None
    target = store.channel_ref(channel, space)
    post = prompt_post_ref(prompt, target)

    async def record(session: AsyncSession, _: object) -> None:
        await transitions.mark_revealed(session, prompt_id=prompt_id, now=ctx.clock.now())  # locks the prompt
        # Awards follow what is stored now, not what was posted: a member forgotten while the
        # digest went out (bot.store.forget) earns nothing, and votes they cast count for no one.
        await _award(session, prompt, await ranked_answers(session, prompt_id=prompt_id))
        await store.crown(session, answer_ids=[r.answer.id for r in crowned(ranked)])

    with log_context(space=target.space.id, channel=target.id, delivery=f"digest:{prompt_id}"):
        sent = await leases.send(
            ctx,
            port,
            lease,
            lambda: port.reply_in_thread(post, render_digest(scenario, ranked, voters)),
            record,
            channel_id=channel.id,
            scheduled=scheduled,
        )
        if isinstance(sent, leases.Failed):
            return sent.outcome
        ctx.metrics.inc("prepbot_posts_total", kind="digest")
        log.info("posted the digest of prompt %s", prompt_id)
        if prompt.closes_at is not None and now < prompt.closes_at and scenario is not None:
            await _show_early_close(ctx, port, post, prompt, channel, scenario, now)
        return "revealed"


async def _show_early_close(
    ctx: ServiceContext,
    port: ChatPort,
    post: MessageRef,
    prompt: PromptPost,
    channel: Channel,
    scenario: Scenario,
    now: dt.datetime,
) -> None:
    """An early reveal: the post's printed deadline would be wrong, so say when voting really closed."""
    assert prompt.id is not None
    message = render_post(
        scenario,
        prompt.id,
        now,
        channel.timezone,
        daily=prompt.local_date is not None,
        why=prompt.focus,
        closed=True,
    )
    try:
        await port.edit(MessageRef(post.channel, post.id), message)
    except Exception:
        # The digest is out and points are awarded; a stale deadline is the lesser harm.
        log.exception("could not update the deadline on prompt %s", prompt.id)


async def reveal_due(ctx: ServiceContext, port: ChatPort) -> None:
    """Tick: reveal every prompt whose voting window has ended."""
    async with ctx.db.unit() as session:
        due = await store.due_reveals(session, now=ctx.clock.now())
    for prompt_id in due:
        try:
            await reveal(ctx, port, prompt_id)
        except Exception:
            # One prompt's trouble (its database rows, its channel) never holds back the others.
            log.exception("revealing prompt %s failed", prompt_id)


async def reveal_command(turn: Turn, args: tuple[str, ...]) -> None:
    """``/prep reveal`` (admins): close voting on the channel's latest open prompt now."""
    async with turn.ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=turn.channel)
        prompt = await store.latest_open(session, channel_id=channel.id or 0)
    if prompt is None or prompt.id is None:
        raise UserError("There is no open culture prompt in this channel. Post one with `/prep prompt`.")
    outcome = await reveal(turn.ctx, turn.port, prompt.id, scheduled=False)
    if outcome == "undeliverable":
        raise UserError(await why_undeliverable(turn, prompt.id))
    if outcome == "failed":
        raise RuntimeError(f"could not post the digest of prompt {prompt.id}")
    if outcome == "busy":
        await turn.whisper("That prompt is already being revealed.")
        return
    await turn.whisper("Voting is closed; the digest is in the prompt's thread.")


# List it before prompts (bot.features): a digest goes out before the next post.
FEATURE = Feature("digest", commands={"reveal": reveal_command}, ticks=(reveal_due,))
