"""``/prep tz [Area/City]``: the member's own time zone, shown or set.

A member's zone decides when their streak days turn over (``/prep stats``),
when their morning interview plan arrives (09:00 their time) and which
partners are close in time for pairing. It comes from the platform profile
(Slack's ``tz``, refreshed as the profile changes) unless the member set one
here, which then wins; ``/prep tz profile`` goes back to the profile's zone.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.feature import Feature
from bot.services.context import UserError
from bot.store.models import Member
from bot.store.tenants import CHOSEN, PROFILE, ensure_channel, ensure_member, set_member_zone
from bot.zones import ZoneError, known_zone, parse_zone

if TYPE_CHECKING:
    from bot.turn import Turn

USES = (
    "It decides when your streak days turn over, when your 09:00 interview plan arrives, "
    "and who is close in time when pairing."
)
RESET_WORDS = ("profile", "auto", "reset")


def describe(member: Member, channel_zone: str, now: dt.datetime) -> str:
    """The member's zone and where it came from, or what is used while they have none."""
    if not member.timezone:
        return (
            f"You have no time zone set, so prepbot uses this channel's ({channel_zone}). "
            "Set yours with `/prep tz Area/City`, like `/prep tz Europe/London`."
        )
    sources: dict[str, str] = {CHOSEN: "you set it with `/prep tz`", PROFILE: "from your profile"}
    source = sources.get(member.timezone_source or "", "set earlier")
    local = now.astimezone(ZoneInfo(member.timezone))
    return f"Your time zone is {member.timezone} ({source}); it is {local:%H:%M} there now."


async def command(turn: Turn, args: tuple[str, ...]) -> None:
    """Show (no argument), set (``Area/City``) or reset (``profile``) the member's zone."""
    if len(args) > 1:
        raise UserError("Give one time zone, like `/prep tz America/New_York`; `/prep tz` alone shows yours.")
    zone: str | None = None
    reset = bool(args) and args[0].casefold() in RESET_WORDS
    if args and not reset:
        try:
            zone = parse_zone(args[0])
        except ZoneError as exc:
            raise UserError(f"{exc}\nUsage: `/prep tz Area/City`, like `/prep tz Europe/London`.") from None
    now = turn.ctx.clock.now()
    async with turn.ctx.db.unit() as session:
        member = await ensure_member(session, ref=turn.member)
        channel = await ensure_channel(session, ref=turn.channel)
        if zone is not None:
            await set_member_zone(session, member=member, zone=zone, source=CHOSEN)
        elif reset:
            profile = known_zone(turn.member.timezone)
            await set_member_zone(session, member=member, zone=profile, source=PROFILE)
        shown = describe(member, channel.timezone, now)
    if zone is not None:
        await turn.whisper(f"Time zone set. {shown} {USES}")
    elif reset:
        await turn.whisper(f"Back to your profile's time zone. {shown}")
    else:
        await turn.whisper(f"{shown} {USES}")


FEATURE = Feature("timezones", commands={"tz": command})
