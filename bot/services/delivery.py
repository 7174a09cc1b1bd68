"""When a send cannot arrive: personal messages, channels the bot cannot post in, and what to say.

Every loop over members sends through :func:`send_direct`, which never raises:
one member's closed DMs (or any other failure) is counted in
``prepbot_undeliverable_total`` and handed back as a reason, and the loop goes on.
Channel failures that only a person can fix pause the channel's schedule
(:func:`pause_channel`) and tell whoever set it, once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.claims import AlreadyHandled
from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.ports import Undeliverable
from bot.render import OutboundMessage
from bot.schedule import format_weekdays
from bot.services.context import ServiceContext, UserError
from bot.store import channels, refs
from bot.store.models import Member
from bot.store.schedules import schedule_of

if TYPE_CHECKING:
    from bot.ports import ChatPort
    from bot.turn import Turn

log = logging.getLogger(__name__)

METRIC = "prepbot_undeliverable_total"
# Failures of a channel that retrying cannot fix: a person must invite the bot,
# unarchive the channel or grant a permission.
CHANNEL_GONE = frozenset({"not_in_channel", "channel_not_found", "archived", "no_access"})
WHY_MISSED = {
    "dm_closed": "direct messages closed",
    "member_gone": "no longer in this space",
    "error": "a delivery error",
}
CHANNEL_PROBLEM = {
    "not_in_channel": "prepbot is not a member of it",
    "channel_not_found": "prepbot cannot see it (it was deleted, or is private without prepbot in it)",
    "archived": "it is archived",
    "no_access": "prepbot lacks the permission to post there",
}


@dataclass(frozen=True)
class Missed:
    """A member a message could not reach, and why (an ``Undeliverable`` reason or ``error``)."""

    name: str
    reason: str


def plain_name(name: str) -> str:
    """A display name as plain text: no ``<@…>``, ``<!here>`` or ``@everyone`` can ping anyone."""
    return name.replace("<", "").replace(">", "").replace("@", "").strip() or "someone"


def member_ref(space: SpaceRef, member: Member) -> MemberRef:
    """The member as the port addresses them (see :func:`bot.store.refs.member_ref`)."""
    return refs.member_ref(member, space)


async def send_direct(
    ctx: ServiceContext, port: ChatPort, member: MemberRef, message: OutboundMessage
) -> str | None:
    """Send a direct message; None when it arrived, else why not (counted, logged, never raised)."""
    try:
        await port.direct(member, message)
    except Undeliverable as exc:
        ctx.metrics.inc(METRIC, reason=exc.reason)
        log.info("direct message to member %s undeliverable: %s", member.id, exc.reason)
        return exc.reason
    except AlreadyHandled:
        raise  # a re-delivery met its claim before sending: not a failed message
    except Exception:
        ctx.metrics.inc(METRIC, reason="error")
        log.exception("direct message to member %s failed", member.id)
        return "error"
    return None


def missed_note(missed: Sequence[Missed]) -> str:
    """``bob (direct messages closed), carol (no longer in this space)``, names as plain text."""
    return ", ".join(f"{plain_name(m.name)} ({WHY_MISSED.get(m.reason, m.reason)})" for m in missed)


def open_dms_step(platform: str) -> str:
    """How a member lets prepbot send them direct messages, on their platform."""
    if platform == "discord":
        return (
            "On Discord, open the server's menu → Privacy Settings and allow direct messages "
            "from server members"
        )
    return "On Slack, open prepbot's App Home → Messages tab and allow messages to the app"


def channel_fix(platform: str, reason: str, *, where: str = "this channel", then: str = "") -> str:
    """The exact step that lets prepbot post in a channel again (it always says "invite")."""
    then = then or "then run the command again"
    if reason == "archived":
        return f"{where.capitalize()} is archived: unarchive it and invite prepbot back, {then}."
    if platform == "discord":
        return (
            f"Invite prepbot to {where}: give prepbot the View Channel and Send Messages permissions "
            f"on {where} (channel settings → Permissions), {then}."
        )
    return f"Invite prepbot first: type `/invite @prepbot` in {where}, {then}."


async def require_channel(turn: Turn) -> None:
    """Make sure prepbot can post where the member ran the command, or tell them how to invite it."""
    try:
        await turn.port.ensure_in_channel(turn.channel)
    except Undeliverable as exc:
        turn.ctx.metrics.inc(METRIC, reason=exc.reason)
        raise UserError(channel_fix(turn.channel.space.platform, exc.reason)) from None


async def pause_channel(ctx: ServiceContext, port: ChatPort, *, channel_id: int, reason: str) -> bool:
    """Pause a channel's schedule after a post failed for good; DM whoever set it, once.

    Returns True when this call paused it. The schedule stays paused (no retries)
    until someone runs ``/prep schedule`` in the channel again.
    """
    async with ctx.db.unit() as session:
        paused = await channels.pause_schedule(
            session, channel_id=channel_id, reason=reason, at=ctx.clock.now()
        )
    if paused is None:
        return False
    channel, space, setter = paused
    log.warning("paused the schedule of channel %s: %s", channel_id, reason)
    ctx.metrics.inc("prepbot_schedules_paused_total", reason=reason)
    if setter is None:
        return True
    where = f"#{channel.name or channel.external_id}"
    schedule = schedule_of(channel)
    days = format_weekdays(schedule.weekdays) if schedule else "every day"
    at = f"{schedule.time:%H:%M} {schedule.zone}" if schedule else f"HH:MM {channel.timezone}"
    command = f"`/prep schedule {at}" + ("" if days == "every day" else f" {days}") + "`"
    problem = CHANNEL_PROBLEM.get(reason, reason)
    fix = channel_fix(space.platform, reason, where=where, then=f"then run {command} there to resume them")
    message = OutboundMessage(
        text=f"I paused the daily culture prompts in {where}: I could not post there because {problem}.",
        footer=fix,
    )
    await send_direct(ctx, port, refs.member_ref(setter, space), message)
    return True


async def tell_channel(ctx: ServiceContext, port: ChatPort, channel: ChannelRef, text: str) -> None:
    """A note to a channel that must not break the loop it comes from (the channel may be gone too)."""
    try:
        await port.post(channel, OutboundMessage(text=text))
    except Undeliverable as exc:
        ctx.metrics.inc(METRIC, reason=exc.reason)
        log.info("could not tell channel %s: %s", channel.id, exc.reason)
    except AlreadyHandled:
        raise
    except Exception:
        ctx.metrics.inc(METRIC, reason="error")
        log.exception("could not tell channel %s", channel.id)
