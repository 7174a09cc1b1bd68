"""A channel's daily-prompt schedule to and from its columns, in one place.

``Channel`` keeps a :class:`bot.schedule.Schedule` as three strings: ``post_time``
(``HH:MM``, NULL when there is no schedule), ``timezone`` (IANA) and ``weekdays``
(``0,1,2`` with Monday 0). Everything that reads or writes a schedule goes
through :func:`schedule_of` and :func:`set_schedule`.
"""

from __future__ import annotations

import datetime as dt

from bot.schedule import Schedule, weekdays_from_db, weekdays_to_db
from bot.store.models import Channel


def schedule_of(channel: Channel) -> Schedule | None:
    """The channel's stored schedule, or None when it has none."""
    if not channel.post_time:
        return None
    hour, minute = (int(p) for p in channel.post_time.split(":"))
    return Schedule(dt.time(hour, minute), channel.timezone, stored_weekdays(channel))


def stored_weekdays(channel: Channel) -> frozenset[int]:
    """The weekdays kept on the channel (every day when none are), scheduled or not."""
    return weekdays_from_db(channel.weekdays)


def set_schedule(channel: Channel, schedule: Schedule | None, *, since: dt.datetime) -> None:
    """Write ``schedule`` into the channel's columns (None turns it off, keeping zone and days).

    ``since`` is when it was set: occurrences before it are never posted. The caller
    saves ``channel`` in its own unit of work.
    """
    if schedule is None:
        channel.post_time = None
        return
    channel.post_time = f"{schedule.time:%H:%M}"
    channel.timezone = schedule.zone
    channel.weekdays = weekdays_to_db(schedule.weekdays)
    channel.schedule_from = since
