"""``/prep schedule``: set, change or turn off a channel's daily culture prompt (admins).

A schedule is refused with the fix when prepbot cannot post in the channel, so it is
never silent. Setting one resumes a channel paused because its posts failed, and its
digests held back meanwhile go out on the next tick; the posts themselves are
:mod:`bot.services.prompts`' work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.render import OutboundMessage, Section
from bot.schedule import ScheduleError, next_occurrence, parse_request
from bot.services.context import UserError
from bot.services.delivery import require_channel
from bot.store import prompt_transitions as transitions
from bot.store.channels import save_schedule
from bot.store.schedules import schedule_of, stored_weekdays
from bot.store.tenants import ensure_channel, ensure_member

if TYPE_CHECKING:
    from bot.turn import Turn


async def set_schedule(turn: Turn, args: tuple[str, ...]) -> None:
    """``/prep schedule HH:MM [Area/City] [weekdays]`` and ``/prep schedule off`` (admins)."""
    ctx = turn.ctx
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=turn.channel)
        try:
            request = parse_request(args, zone=channel.timezone, weekdays=stored_weekdays(channel))
        except ScheduleError as exc:
            raise UserError(
                f"{exc}\nUsage: `/prep schedule HH:MM [Area/City] [weekdays]` or `/prep schedule off`."
            ) from None
    schedule = request.schedule
    if schedule is not None:
        # Never a silent schedule: a channel prepbot cannot post in is refused with the fix.
        await require_channel(turn)
    async with ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=turn.channel)
        assert channel.id is not None
        setter = await ensure_member(session, ref=turn.member)
        was_on = schedule_of(channel) is not None
        paused = await save_schedule(
            session, channel=channel, schedule=schedule, set_by=setter.id, reminders=request.reminders, at=now
        )
        resumed = paused and schedule is not None
        if schedule is not None:
            # Digests held back while the channel was unreachable go out on the next tick.
            await transitions.retry_stuck(session, channel_id=channel.id)
    if schedule is None:
        state = "are now off" if was_on else "were already off"
        await turn.whisper(
            f"Daily culture prompts {state} in this channel. `/prep prompt` still posts one now."
        )
        return
    upcoming = next_occurrence(schedule, now).instant.astimezone(schedule.tz)
    resumed_note = " (resumed: it was paused because prepbot could not post here)" if resumed else ""
    await turn.whisper(
        OutboundMessage(
            text=f"Daily culture prompt set: {schedule.describe()}{resumed_note}.",
            sections=(Section(f"Next post: {upcoming:%a %d %b %Y %H:%M} ({upcoming.tzname()})."),),
            footer=(
                "Nothing is posted in the thread before voting closes: members who answered get one "
                "private nudge to vote, and `/prep reminders on` asks for a reminder to answer."
            ),
        )
    )
