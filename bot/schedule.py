""" "At local time": the one mechanism every scheduled thing uses, and ``/prep schedule`` parsing.

Pure functions, no I/O. A :class:`Schedule` is a wall-clock time in an IANA zone on
some weekdays: a channel's daily prompt, the weekly pairing round (one weekday), the
readiness report (Friday 16:00), a member's 09:00 plan (every day, in their zone).
:func:`due` answers the one question the tick asks of each of them: which local
occurrence is due at ``now`` (within a catch-up window), if any. The work is then
claimed in the database under that occurrence's local date, so however often and
from however many processes the tick runs, each occurrence is done once.

Daylight-saving changes give exactly one instant per local date:

- a time that does not exist that day (the spring-forward gap) happens at the
  instant it would have had on the old offset, i.e. shifted forward by the gap;
- a time that happens twice (the fall-back overlap) counts at its first occurrence.

Stored zone names are not re-validated on every tick: :func:`known` turns the
first usable name of a list (the member's, the channel's) into a zone, else UTC.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from bot import zones

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EVERY_DAY = frozenset(range(7))
TIME_PATTERN = re.compile(r"^(\d{1,2})[:.h](\d{2})$")
# Longer spellings people type ("monday", "tues", "thurs") map to the three-letter names.
_DAY_ALIASES = {name: i for i, name in enumerate(DAY_NAMES)} | {
    "monday": 0,
    "tues": 1,
    "tuesday": 1,
    "wednesday": 2,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_DAY_SETS = {"daily": EVERY_DAY, "everyday": EVERY_DAY, "weekdays": frozenset(range(5))}


class ScheduleError(ValueError):
    """Input that is not a schedule; the message says how to write it."""


@dataclass(frozen=True)
class Schedule:
    """A channel's daily prompt: ``time`` in ``zone`` on ``weekdays`` (0 = Monday)."""

    time: dt.time
    zone: str
    weekdays: frozenset[int] = EVERY_DAY

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.zone)

    def describe(self) -> str:
        return f"{self.time:%H:%M} {self.zone}, {format_weekdays(self.weekdays)}"


def parse_time(text: str) -> dt.time:
    """``09:30`` (also ``9:30``, ``9.30``, ``9h30``) as a time of day."""
    match = TIME_PATTERN.match(text.strip())
    if match is None:
        raise ScheduleError(f"`{text}` is not a time: write it as HH:MM on a 24-hour clock, like 09:30.")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ScheduleError(f"`{text}` is not a time of day: hours go 00–23 and minutes 00–59.")
    return dt.time(hour, minute)


def parse_zone(text: str) -> str:
    """The canonical IANA name for ``text``; abbreviations and fixed offsets are refused (bot.zones)."""
    try:
        return zones.parse_zone(text)
    except zones.ZoneError as exc:
        raise ScheduleError(str(exc)) from None


def _day(text: str) -> int:
    day = _DAY_ALIASES.get(text)
    if day is None:
        raise ScheduleError(f"`{text}` is not a weekday: use mon, tue, wed, thu, fri, sat or sun.")
    return day


def parse_weekdays(text: str) -> frozenset[int]:
    """``sat``, ``mon-fri``, ``mon,wed,fri`` or ``fri-mon`` (wrapping) as weekday numbers."""
    spec = text.strip().casefold()
    if spec in _DAY_SETS:
        return _DAY_SETS[spec]
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in spec.split(","))):
        first, dash, last = part.partition("-")
        if not dash:
            days.add(_day(first))
            continue
        start, end = _day(first.strip()), _day(last.strip())
        span = (end - start) % 7
        days.update((start + i) % 7 for i in range(span + 1))
    if not days:
        raise ScheduleError("name at least one weekday, like `mon-fri` or `sat`.")
    return frozenset(days)


def looks_like_weekdays(text: str) -> bool:
    try:
        parse_weekdays(text)
    except ScheduleError:
        return False
    return True


def format_weekdays(days: frozenset[int]) -> str:
    """The shortest readable spelling: ``every day``, ``mon-fri``, ``mon,wed,fri``."""
    if days == EVERY_DAY:
        return "every day"
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{DAY_NAMES[ordered[0]]}-{DAY_NAMES[ordered[-1]]}"
    return ",".join(DAY_NAMES[d] for d in ordered)


def weekdays_to_db(days: frozenset[int]) -> str:
    return ",".join(str(d) for d in sorted(days))


def weekdays_from_db(text: str) -> frozenset[int]:
    return frozenset(int(p) for p in text.split(",") if p.strip()) or EVERY_DAY


def fire_instant(day: dt.date, time: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The UTC instant ``time`` happens on local date ``day`` (one per date; see the module doc).

    ``fold=0`` picks the first of two repeated times; for a time inside a gap,
    Python's conversion uses the offset in force before the gap, which lands the
    same distance past the gap's start.
    """
    local = dt.datetime.combine(day, time, tzinfo=zone).replace(fold=0)
    return local.astimezone(dt.UTC)


@dataclass(frozen=True)
class Occurrence:
    """One scheduled post: the channel-local date it belongs to and its UTC instant."""

    local_date: dt.date
    instant: dt.datetime


def latest_occurrence(schedule: Schedule, now: dt.datetime) -> Occurrence | None:
    """The most recent occurrence at or before ``now`` (within the last 8 days)."""
    zone = schedule.tz
    today = now.astimezone(zone).date()
    for back in range(8):
        day = today - dt.timedelta(days=back)
        if day.weekday() not in schedule.weekdays:
            continue
        instant = fire_instant(day, schedule.time, zone)
        if instant <= now:
            return Occurrence(day, instant)
    return None


def next_occurrence(schedule: Schedule, after: dt.datetime) -> Occurrence:
    """The first occurrence strictly after ``after``."""
    zone = schedule.tz
    today = after.astimezone(zone).date()
    for ahead in range(-1, 9):
        day = today + dt.timedelta(days=ahead)
        if day.weekday() not in schedule.weekdays:
            continue
        instant = fire_instant(day, schedule.time, zone)
        if instant > after:
            return Occurrence(day, instant)
    raise AssertionError("a schedule with at least one weekday always fires within 8 days")


def due(
    schedule: Schedule, now: dt.datetime, *, window: dt.timedelta, since: dt.datetime | None = None
) -> Occurrence | None:
    """The occurrence due at ``now``: the latest at or before it, if no older than ``window``.

    ``window`` is the catch-up: how late an occurrence missed while no process ran
    may still happen. ``since`` drops occurrences before it (a schedule set at
    09:45 does not owe today's 09:30). Callers claim ``local_date`` once.
    """
    occurrence = latest_occurrence(schedule, now)
    if occurrence is None or now - occurrence.instant > window:
        return None
    if since is not None and occurrence.instant < since:
        return None
    return occurrence


def known(*names: str | None) -> str:
    """The first of ``names`` that is a zone this machine knows, else ``"UTC"``."""
    for name in names:
        if name:
            try:
                zoneinfo.ZoneInfo(name)
            except (KeyError, ValueError):
                continue
            return name
    return "UTC"


def local_date(now: dt.datetime, *names: str | None) -> dt.date:
    """Today's date at ``now`` in the first known zone of ``names`` (see :func:`known`)."""
    return now.astimezone(zoneinfo.ZoneInfo(known(*names))).date()


def utc_offset_hours(now: dt.datetime, *names: str | None) -> float:
    """The UTC offset at ``now``, in hours, of the first known zone of ``names``."""
    offset = now.astimezone(zoneinfo.ZoneInfo(known(*names))).utcoffset() or dt.timedelta(0)
    return offset.total_seconds() / 3600


def iso_week(day: dt.date) -> str:
    """``2026-W02``: the ISO week holding a local date (weekly work is claimed per week)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class ScheduleRequest:
    """What ``/prep schedule`` asked for: a new schedule, or ``off``."""

    schedule: Schedule | None
    reminders: bool | None = None


def parse_request(
    args: tuple[str, ...], *, zone: str = "UTC", weekdays: frozenset[int] = EVERY_DAY
) -> ScheduleRequest:
    """Read ``HH:MM [Area/City] [weekdays] [reminders|no-reminders]`` or ``off``.

    A zone or weekdays left out keep the values given (the channel's current ones),
    so ``/prep schedule 10:00`` only moves the time.
    """
    words = [w for w in args if w.strip()]
    if not words:
        raise ScheduleError(
            "say when: `/prep schedule HH:MM [Area/City] [weekdays]`, or `/prep schedule off`."
        )
    if words[0].casefold() == "off":
        if len(words) > 1:
            raise ScheduleError("`/prep schedule off` takes nothing after `off`.")
        return ScheduleRequest(None)
    time = parse_time(words[0])
    reminders: bool | None = None
    for word in words[1:]:
        folded = word.casefold()
        if folded in ("reminders", "remind"):
            reminders = True
        elif folded in ("no-reminders", "noreminders", "quiet"):
            reminders = False
        elif zones.looks_like_zone(word) and not looks_like_weekdays(word):
            zone = parse_zone(word)
        elif looks_like_weekdays(word):
            weekdays = parse_weekdays(word)
        else:
            raise ScheduleError(
                f"I could not read `{word}`: after the time give a time zone (Europe/London) "
                "and weekdays (`mon-fri`, `sat`, `mon,wed,fri`)."
            )
    return ScheduleRequest(Schedule(time, zone, weekdays), reminders)
