"""Daily culture prompts: the exactly-once post, and ``/prep prompt``.

``post_due`` is the one function that posts whatever is due at ``ctx.clock.now()``
(``bot.schedule.due``: the channel's post time, in its zone, within the catch-up).
It runs on ``Prepbot.tick``: from the console's clock, the tests, and the runner's
short-interval tick and catch-up on start. It can be called any number of times,
from any number of processes, at any moment: a post is claimed with a unique
(channel, local date) row before anything is sent, and only the holder of the
row's send lease sends it (``bot.services.leases.leased_send``). A channel's
schedule is set by ``/prep schedule`` (``bot.services.prompt_schedule``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.buttons import OpenBallot
from bot.content import Pack
from bot.content_schema import Scenario
from bot.domain import MessageRef
from bot.feature import Feature
from bot.logs import log_context
from bot.ports import find_posted
from bot.render import OutboundMessage, Section, clip
from bot.schedule import next_occurrence
from bot.services import fanout, focus, leases
from bot.services.context import ServiceContext, UserError
from bot.services.delivery import CHANNEL_GONE, channel_fix, require_channel
from bot.services.fanout import Composed
from bot.services.prompt_schedule import set_schedule
from bot.settings import Settings
from bot.store import prompt_transitions as transitions
from bot.store import prompts as store
from bot.store import quizzes
from bot.store.models import Channel, PromptPost, Space

# schedule_of stays importable from here: the scheduler reads schedules through this module.
from bot.store.schedules import schedule_of as schedule_of
from bot.store.tenants import ensure_channel

if TYPE_CHECKING:
    from bot.ports import ChatPort
    from bot.turn import Turn

log = logging.getLogger(__name__)

BALLOT_ACTION = OpenBallot.ACTION
# Long enough for one send that waits out a 429, short enough that after a crash
# mid-send the next process retries the post within about 25 s (lease + one 5 s tick),
# inside the contract's 30 s for a missed post after a restart.
SEND_LEASE = dt.timedelta(seconds=20)
# By default voting closes just before the next scheduled post, so the digest of
# yesterday's scenario lands before today's; never sooner than an hour after posting.
REVEAL_MARGIN = dt.timedelta(minutes=5)
MIN_WINDOW = dt.timedelta(hours=1)
UNSCHEDULED_WINDOW = dt.timedelta(hours=24)

Outcome = Literal["posted", "busy", "failed", "undeliverable"]


def voting_closes(channel: Channel, settings: Settings, posted_at: dt.datetime) -> dt.datetime:
    """When voting on a prompt posted at ``posted_at`` ends (see the constants above)."""
    hours = channel.voting_hours or settings.voting_hours
    if hours:
        return posted_at + dt.timedelta(hours=hours)
    schedule = schedule_of(channel)
    if schedule is None:
        return posted_at + UNSCHEDULED_WINDOW
    after = posted_at
    while True:
        closes = next_occurrence(schedule, after).instant - REVEAL_MARGIN
        if closes - posted_at >= MIN_WINDOW:
            return closes
        after = closes + REVEAL_MARGIN


def pack_for(ctx: ServiceContext, channel: Channel) -> Pack:
    return ctx.library.packs.get(channel.pack_id) or ctx.library.default


def choose_scenario(scenarios: Sequence[Scenario], uses: dict[str, int], ctx: ServiceContext) -> Scenario:
    """A scenario among the least used in the channel: no repeat until all were posted."""
    if not scenarios:
        raise UserError("This content pack has no culture scenarios to post yet.")
    fewest = min(uses.get(s.id, 0) for s in scenarios)
    return ctx.rng.choice([s for s in scenarios if uses.get(s.id, 0) == fewest])


async def focused_choice(
    session: AsyncSession, ctx: ServiceContext, channel: Channel, scenarios: Sequence[Scenario]
) -> focus.Choice:
    """The next scenario in rotation, leaning toward the team's weakest topic (see bot.services.focus)."""
    assert channel.id is not None
    uses = await store.scenario_uses(session, channel_id=channel.id)
    accuracy = await quizzes.channel_accuracy(session, space_id=channel.space_id, channel_id=channel.id)
    return focus.choose(pack_for(ctx, channel), scenarios, uses, accuracy, ctx.rng)


def scenario_by_id(pack: Pack, scenario_id: str) -> Scenario | None:
    item = pack.get(scenario_id)
    return item if isinstance(item, Scenario) else None


def render_post(
    scenario: Scenario,
    prompt_id: int,
    closes_at: dt.datetime,
    zone: str,
    *,
    daily: bool,
    why: str = "",
    key: str | None = None,
    closed: bool = False,
) -> OutboundMessage:
    """The post; ``closed`` is its edit after an early reveal, with the time voting really closed."""
    local = closes_at.astimezone(ZoneInfo(zone))
    heading = "Today's culture scenario" if daily else "Culture scenario"
    sections = [Section(scenario.situation), Section(", ".join(scenario.values), title="Values it probes")]
    if scenario.skills:
        # Engineering skills are not culture values; label them apart so neither is mistaken for the other.
        sections.append(Section(", ".join(scenario.skills), title="Skills it probes"))
    if why:
        sections.append(Section(why, title="Why this one"))
    return OutboundMessage(
        text=f"{heading}: {scenario.title}",
        key=key,
        sections=tuple(sections),
        buttons=(OpenBallot(prompt_id).button("Vote", "primary"),),
        footer=(
            f"Voting closed early ({local:%a %H:%M} {zone}): the digest is in the thread. "
            "A reply now is kept in your prep document as a late answer."
            if closed
            else "Answer by replying in this thread. Press Vote to read the other answers and vote; "
            f"votes stay hidden until the reveal ({local:%a %H:%M} {zone})."
        ),
    )


def compose(
    ctx: ServiceContext, prompt: PromptPost, channel: Channel, space: Space, now: dt.datetime
) -> Composed:
    """The post a claimed prompt sends when its lease was taken at ``now``, and where it goes."""
    assert prompt.id is not None
    pack = pack_for(ctx, channel)
    scenario = scenario_by_id(pack, prompt.scenario_id) or choose_scenario(pack.scenarios(), {}, ctx)
    closes_at = voting_closes(channel, ctx.settings, now)
    message = render_post(
        scenario,
        prompt.id,
        closes_at,
        channel.timezone,
        daily=prompt.local_date is not None,
        why=prompt.focus,
        key=f"prepbot-prompt-{prompt.id}",
    )
    return Composed(message, store.channel_ref(channel, space), closes_at, scenario.title)


async def deliver(ctx: ServiceContext, port: ChatPort, prompt_id: int) -> Outcome:
    """Send one claimed post if this process wins its send lease; record it, open its thread."""
    taken = await leases.take(
        ctx,
        prompt_id=prompt_id,
        length=SEND_LEASE,
        taker=transitions.take_send_lease,
        load=lambda session: store.load(session, prompt_id=prompt_id),
    )
    if taken is None:
        return "busy"
    lease, loaded = taken
    assert loaded is not None
    prompt, channel, space = loaded
    now = lease.taken_at
    composed = compose(ctx, prompt, channel, space, now)
    message, target = composed.message, composed.target

    async def post() -> MessageRef:
        # An earlier attempt may have reached the platform and died before recording it.
        earlier = await find_posted(port, target, message.key or "") if prompt.attempts > 1 else None
        return earlier or await port.post(target, message)

    async def record(session: AsyncSession, ref: MessageRef) -> None:
        await transitions.mark_posted(
            session, prompt_id=prompt_id, message_id=ref.id, posted_at=now, closes_at=composed.closes_at
        )

    # Every line about this post names its space, channel and delivery key.
    with log_context(space=target.space.id, channel=target.id, delivery=message.key):
        sent = await leases.send(
            ctx, port, lease, post, record, channel_id=channel.id, scheduled=prompt.local_date is not None
        )
        if isinstance(sent, leases.Failed):
            return sent.outcome
        ctx.metrics.inc("prepbot_posts_total", kind="prompt")
        log.info("posted prompt %s", prompt_id)
        try:
            # Discord needs the thread opened on the post; elsewhere this is a no-op.
            await port.open_thread(sent, clip(composed.thread_name, 90))
        except Exception:
            log.exception("could not open the thread on prompt %s; members can still open it", prompt_id)
        return "posted"


async def why_undeliverable(turn: Turn, prompt_id: int) -> str:
    """What to tell the member whose post or digest the channel refused (the step that fixes it)."""
    async with turn.ctx.db.unit() as session:
        loaded = await store.load(session, prompt_id=prompt_id)
    reason = loaded[0].reason if loaded and loaded[0].reason in CHANNEL_GONE else "not_in_channel"
    return channel_fix(turn.channel.space.platform, reason)


async def post_due(ctx: ServiceContext, port: ChatPort) -> int:
    """Post every scheduled prompt due at ``ctx.clock.now()``; returns how many this call sent.

    Due means ``bot.schedule.due``: the channel's latest occurrence is at or before
    now, no more than ``settings.catch_up_hours`` ago, and not before the schedule
    was set. Claims left unsent (a failed send, a crashed process) are retried here too.
    Claims, leases and records go in bulk (``bot.services.fanout``).
    """
    now = ctx.clock.now()
    pending = await fanout.claim_due(ctx, now=now, pack_for=lambda channel: pack_for(ctx, channel))

    def composed(prompt: PromptPost, channel: Channel, space: Space, at: dt.datetime) -> Composed:
        return compose(ctx, prompt, channel, space, at)

    return await fanout.send_claims(ctx, port, pending, compose=composed, lease=SEND_LEASE)


async def _tick(ctx: ServiceContext, port: ChatPort) -> None:
    await post_due(ctx, port)


async def post_now(turn: Turn, args: tuple[str, ...]) -> None:
    """``/prep prompt``: an admin's extra post, keyed by the delivery so a retry posts once."""
    ctx = turn.ctx
    await require_channel(turn)
    async with ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=turn.channel)
        assert channel.id is not None
        scenarios = pack_for(ctx, channel).scenarios()
        if not scenarios:
            raise UserError("This content pack has no culture scenarios to post yet.")
        choice = await focused_choice(session, ctx, channel, scenarios)
        prompt = await store.claim(
            session,
            space_id=channel.space_id,
            channel_id=channel.id,
            scenario_id=choice.scenario.id,
            delivery_key=f"cmd:{turn.delivery_id}",
            focus=choice.why,
        )
    assert prompt.id is not None
    if prompt.status != store.CLAIMED:
        return  # this delivery already posted it
    outcome = await deliver(ctx, turn.port, prompt.id)
    if outcome == "failed":
        # The router tells the admin and forgets the delivery, so their retry resends this claim.
        raise RuntimeError(f"could not post prompt {prompt.id}")
    if outcome == "undeliverable":
        raise UserError(await why_undeliverable(turn, prompt.id))


FEATURE = Feature("prompts", commands={"schedule": set_schedule, "prompt": post_now}, ticks=(_tick,))
