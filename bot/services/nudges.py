"""Private notices about a prompt, each sent at most once per member and kind.

- a voter hears (by DM) that new answers arrived after they voted, once per prompt;
- before voting closes, members who answered but have not voted get one vote nudge,
  and members who turned reminders on (``/prep reminders on``) and have not answered
  get one reminder; nothing is posted in the thread, so those already done hear nothing.

Each notice is claimed in ``promptnotice`` before it is sent: a retried tick or a
second process never sends it twice, and one member's closed DMs never stop the loop.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.feature import Feature
from bot.render import OutboundMessage
from bot.services.context import ServiceContext, UserError
from bot.services.delivery import send_direct
from bot.services.prompts import pack_for, scenario_by_id
from bot.store import notices
from bot.store import prompts as store
from bot.store.enums import NoticeKind
from bot.store.members import set_prompt_reminders
from bot.store.models import Channel, Member, PromptPost, Space
from bot.store.refs import member_ref
from bot.store.tenants import ensure_member
from bot.unsaved import not_told

if TYPE_CHECKING:
    from bot.ports import ChatPort
    from bot.turn import Turn

log = logging.getLogger(__name__)

REMIND_BEFORE = dt.timedelta(hours=2)


def remind_at(prompt: PromptPost) -> dt.datetime | None:
    """Two hours before voting closes, but never in the first half of the window."""
    if prompt.closes_at is None or prompt.posted_at is None:
        return None
    window = prompt.closes_at - prompt.posted_at
    return prompt.closes_at - min(REMIND_BEFORE, window / 2)


def _where(channel: Channel) -> str:
    return f"#{channel.name or channel.external_id}"


def _closes(prompt: PromptPost, member: Member, channel: Channel) -> str:
    """When voting closes, in the member's own time zone when they set one."""
    if prompt.closes_at is None:
        return "at the reveal"
    zone = member.timezone or channel.timezone
    return f"{prompt.closes_at.astimezone(ZoneInfo(zone)):%a %H:%M} {zone}"


def _title(ctx: ServiceContext, prompt: PromptPost, channel: Channel) -> str:
    scenario = scenario_by_id(pack_for(ctx, channel), prompt.scenario_id)
    return scenario.title if scenario else "today's scenario"


async def _send(
    ctx: ServiceContext,
    port: ChatPort,
    *,
    prompt: PromptPost,
    space: Space,
    member: Member,
    kind: NoticeKind,
    message: OutboundMessage,
) -> bool:
    """Claim the notice, then send it; True when it arrived.

    Never raises: every caller loops over members, and one member's notice that
    cannot be claimed or sent must not hold back the others (it is counted and logged).
    """
    assert member.id is not None
    try:
        async with ctx.db.unit() as session:
            if not await notices.claim(
                session, prompt=prompt, member_id=member.id, kind=kind, at=ctx.clock.now()
            ):
                return False
        missed = await send_direct(ctx, port, member_ref(member, space), message)
    except Exception as exc:
        not_told(
            ctx.metrics, log, exc, "prompt %s: member %s not sent the %s notice", prompt.id, member.id, kind
        )
        return False
    ctx.metrics.inc("prepbot_notices_total", kind=kind, outcome=missed or "sent")
    return missed is None


async def tell_voters(ctx: ServiceContext, port: ChatPort, *, prompt_id: int, author_id: int) -> None:
    """A new answer arrived: tell each member who already voted, once per prompt, privately."""
    async with ctx.db.unit() as session:
        loaded = await store.load(session, prompt_id=prompt_id)
        if loaded is None:
            return
        voters = await notices.voters_not_told(session, prompt_id=prompt_id, except_id=author_id)
    prompt, channel, space = loaded
    title = _title(ctx, prompt, channel)
    for voter in voters:
        message = OutboundMessage(
            text=f"New answers arrived on “{title}” in {_where(channel)} after you voted.",
            footer=(
                "Press Vote on the post to read them; you can move your votes until voting closes "
                f"({_closes(prompt, voter, channel)}). I tell you this once per scenario."
            ),
        )
        await _send(  # never raises: one voter's trouble never holds back the others
            ctx,
            port,
            prompt=prompt,
            space=space,
            member=voter,
            kind=NoticeKind.NEW_ANSWERS,
            message=message,
        )


async def nudge_due(ctx: ServiceContext, port: ChatPort) -> None:
    """Tick: before voting closes, one vote nudge and one answer reminder per member who needs it."""
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        voting = await store.still_voting(session, now=now)
    rows = [r for r in voting if (due := remind_at(r[0])) and due <= now]
    for prompt, channel, space in rows:
        try:
            await _nudge_prompt(ctx, port, prompt, channel, space)
        except Exception:
            # One prompt's trouble never holds back the others.
            log.exception("the nudges of prompt %s failed", prompt.id)


async def _nudge_prompt(
    ctx: ServiceContext, port: ChatPort, prompt: PromptPost, channel: Channel, space: Space
) -> None:
    assert prompt.id is not None and prompt.closes_at is not None
    async with ctx.db.unit() as session:
        voters = await notices.answered_not_voted(session, prompt_id=prompt.id)
        answered = await store.answer_count(session, prompt_id=prompt.id)
        absent = await notices.opted_in_not_answered(session, prompt=prompt)
    title = _title(ctx, prompt, channel)
    hours = max(1, round((prompt.closes_at - ctx.clock.now()).total_seconds() / 3600))
    left = f"about {hours} hour{'' if hours == 1 else 's'}"
    budget = ctx.settings.votes_per_member
    if answered >= 2:  # with one answer (their own) there is nothing to vote for
        for member in voters:
            message = OutboundMessage(
                text=f"Thanks for answering “{title}” in {_where(channel)}. Voting closes in {left}.",
                footer=(
                    f"Press Vote on the post to read the {answered - 1} other answer(s) and give your "
                    f"{budget} votes: a top answer is crowned only with votes from two members or more."
                ),
            )
            await _send(
                ctx,
                port,
                prompt=prompt,
                space=space,
                member=member,
                kind=NoticeKind.VOTE_NUDGE,
                message=message,
            )
    for member in absent:
        message = OutboundMessage(
            text=f"Voting on “{title}” in {_where(channel)} closes in {left}, and you have not answered yet.",
            footer="Reply in the post's thread to add yours. `/prep reminders off` stops these reminders.",
        )
        await _send(
            ctx,
            port,
            prompt=prompt,
            space=space,
            member=member,
            kind=NoticeKind.ANSWER_REMINDER,
            message=message,
        )


async def reminders_command(turn: Turn, args: tuple[str, ...]) -> None:
    """``/prep reminders on|off``: a DM before voting closes on any prompt the member has not answered."""
    choice = args[0].lower() if args else ""
    if choice not in ("on", "off"):
        raise UserError(
            "Usage: `/prep reminders on` (a direct message before voting closes on a scenario "
            "you have not answered) or `/prep reminders off`."
        )
    async with turn.ctx.db.unit() as session:
        member = await ensure_member(session, ref=turn.member)
        await set_prompt_reminders(session, member=member, on=choice == "on")
    if choice == "on":
        await turn.whisper(
            "Reminders on: I'll send you a direct message before voting closes on a scenario you have "
            "not answered. `/prep reminders off` stops them."
        )
    else:
        await turn.whisper("Reminders off. `/prep reminders on` turns them back on.")


FEATURE = Feature("nudges", commands={"reminders": reminders_command}, ticks=(nudge_due,))
