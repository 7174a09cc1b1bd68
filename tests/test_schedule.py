"""Schedule parsing and fire times, daylight-saving changes included (pure, no I/O)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.schedule import (
    EVERY_DAY,
    Schedule,
    ScheduleError,
    due,
    fire_instant,
    format_weekdays,
    iso_week,
    known,
    latest_occurrence,
    local_date,
    next_occurrence,
    parse_request,
    parse_time,
    parse_weekdays,
    parse_zone,
    utc_offset_hours,
)

UTC = dt.UTC
NY, LONDON = ZoneInfo("America/New_York"), ZoneInfo("Europe/London")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_times_zones_and_weekdays_parse() -> None:
    assert parse_time("09:30") == dt.time(9, 30)
    assert parse_time("7:05") == dt.time(7, 5)
    assert parse_zone("europe/london") == "Europe/London"
    assert parse_weekdays("sat") == {5}
    assert parse_weekdays("mon-fri") == {0, 1, 2, 3, 4}
    assert parse_weekdays("mon,wed,fri") == {0, 2, 4}
    assert parse_weekdays("fri-mon") == {4, 5, 6, 0}
    assert parse_weekdays("Monday,Thursday") == {0, 3}
    assert format_weekdays(frozenset({0, 1, 2, 3, 4})) == "mon-fri"
    assert format_weekdays(frozenset({0, 2, 4})) == "mon,wed,fri"
    assert format_weekdays(EVERY_DAY) == "every day"


@pytest.mark.parametrize(
    ("text", "hint"),
    [("25:00", "00–23"), ("9am", "HH:MM"), ("09:61", "00–59")],
)
def test_bad_times_say_how_to_write_them(text: str, hint: str) -> None:
    with pytest.raises(ScheduleError, match=hint):
        parse_time(text)


def test_a_misspelt_zone_gets_a_suggestion() -> None:
    with pytest.raises(ScheduleError, match="Europe/London"):
        parse_zone("Europe/Londn")
    with pytest.raises(ScheduleError, match="IANA"):
        parse_zone("Mars/Olympus")


def test_bad_weekdays_are_refused() -> None:
    with pytest.raises(ScheduleError, match="not a weekday"):
        parse_weekdays("mon-fry")


def test_requests_read_in_any_order_and_keep_what_is_left_out() -> None:
    request = parse_request(("09:30", "Europe/London", "mon-fri"))
    assert request.schedule == Schedule(dt.time(9, 30), "Europe/London", frozenset(range(5)))
    kept = parse_request(("10:00",), zone="Asia/Tokyo", weekdays=frozenset({5}))
    assert kept.schedule == Schedule(dt.time(10, 0), "Asia/Tokyo", frozenset({5}))
    swapped = parse_request(("08:00", "sat", "UTC", "reminders"))
    assert swapped.schedule == Schedule(dt.time(8, 0), "UTC", frozenset({5}))
    assert swapped.reminders is True
    assert parse_request(("off",)).schedule is None
    with pytest.raises(ScheduleError, match="could not read `tomorrow`"):
        parse_request(("09:00", "tomorrow"))
    with pytest.raises(ScheduleError):
        parse_request(())


@pytest.mark.parametrize(
    ("day", "zone", "expected"),
    [
        # America/New_York: EST (UTC-5) until 8 March 2026, EDT (UTC-4) until 1 November.
        (dt.date(2026, 3, 6), NY, utc(2026, 3, 6, 14, 30)),
        (dt.date(2026, 3, 8), NY, utc(2026, 3, 8, 13, 30)),
        (dt.date(2026, 3, 9), NY, utc(2026, 3, 9, 13, 30)),
        (dt.date(2026, 10, 31), NY, utc(2026, 10, 31, 13, 30)),
        (dt.date(2026, 11, 1), NY, utc(2026, 11, 1, 14, 30)),
        (dt.date(2026, 11, 2), NY, utc(2026, 11, 2, 14, 30)),
        # Europe/London: GMT until 29 March 2026, BST (UTC+1) until 25 October.
        (dt.date(2026, 3, 28), LONDON, utc(2026, 3, 28, 9, 30)),
        (dt.date(2026, 3, 29), LONDON, utc(2026, 3, 29, 8, 30)),
        (dt.date(2026, 10, 24), LONDON, utc(2026, 10, 24, 8, 30)),
        (dt.date(2026, 10, 25), LONDON, utc(2026, 10, 25, 9, 30)),
    ],
)
def test_wall_clock_time_maps_to_the_right_utc_instant_across_dst(
    day: dt.date, zone: ZoneInfo, expected: dt.datetime
) -> None:
    assert fire_instant(day, dt.time(9, 30), zone) == expected


def test_a_time_in_the_spring_gap_fires_once_just_after_it() -> None:
    # 02:30 does not exist in New York on 8 March 2026: it fires at 03:30 EDT (07:30 UTC).
    assert fire_instant(dt.date(2026, 3, 8), dt.time(2, 30), NY) == utc(2026, 3, 8, 7, 30)


def test_a_time_in_the_autumn_overlap_fires_once_at_its_first_occurrence() -> None:
    # 01:30 happens twice in New York on 1 November 2026; the first is 01:30 EDT (05:30 UTC).
    assert fire_instant(dt.date(2026, 11, 1), dt.time(1, 30), NY) == utc(2026, 11, 1, 5, 30)
    assert fire_instant(dt.date(2026, 10, 25), dt.time(1, 30), LONDON) == utc(2026, 10, 25, 0, 30)


@pytest.mark.parametrize(
    ("zone", "time", "start"),
    [
        ("America/New_York", dt.time(2, 30), utc(2026, 3, 1)),
        ("America/New_York", dt.time(1, 30), utc(2026, 10, 25)),
        ("Europe/London", dt.time(1, 30), utc(2026, 3, 22)),
        ("Europe/London", dt.time(1, 30), utc(2026, 10, 18)),
    ],
)
def test_walking_across_a_dst_change_gives_one_fire_per_local_date(
    zone: str, time: dt.time, start: dt.datetime
) -> None:
    schedule = Schedule(time, zone)
    dates, instants, cursor = [], [], start
    for _ in range(14):
        occurrence = next_occurrence(schedule, cursor)
        dates.append(occurrence.local_date)
        instants.append(occurrence.instant)
        cursor = occurrence.instant
    assert dates == [dates[0] + dt.timedelta(days=i) for i in range(14)]  # none skipped, none doubled
    assert instants == sorted(set(instants))


def test_latest_occurrence_is_never_in_the_future_and_respects_weekdays() -> None:
    schedule = Schedule(dt.time(9, 30), "America/New_York", frozenset({0, 2, 4}))  # mon, wed, fri
    posting = utc(2026, 3, 9, 13, 30)  # Monday 09:30 EDT
    before = latest_occurrence(schedule, posting - dt.timedelta(seconds=1))
    assert before is not None and before.local_date == dt.date(2026, 3, 6)  # the Friday before
    at = latest_occurrence(schedule, posting)
    assert at is not None and (at.local_date, at.instant) == (dt.date(2026, 3, 9), posting)
    nxt = next_occurrence(schedule, posting)
    assert nxt.local_date == dt.date(2026, 3, 11)


# Zones whose clocks jump in every way tzdata knows: an hour (New York, London), half an
# hour (Lord Howe), 45-minute offsets (Chatham), at midnight (Santiago, Havana), a negative
# summer time (Dublin), Ramadan changes (Casablanca), none at all (Kolkata, UTC).
DST_ZONES = (
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Santiago",
    "America/Havana",
    "Europe/Dublin",
    "Africa/Casablanca",
    "Asia/Kolkata",
    "UTC",
)
schedules = st.builds(
    Schedule,
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    st.sampled_from(DST_ZONES),
    st.frozensets(st.integers(0, 6), min_size=1),
)
instants = st.datetimes(dt.datetime(2025, 1, 1), dt.datetime(2030, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


def _wall_instants(day: dt.date, time: dt.time, zone: ZoneInfo) -> set[dt.datetime]:
    """Every UTC instant whose wall clock in ``zone`` reads ``day`` ``time`` (0, 1 or 2 of them)."""
    found = set()
    for fold in (0, 1):
        instant = dt.datetime.combine(day, time, tzinfo=zone).replace(fold=fold).astimezone(UTC)
        back = instant.astimezone(zone)
        if (back.date(), back.time()) == (day, time):
            found.add(instant)
    return found


@given(schedules, instants)
# The gaps and overlaps themselves, always checked: New York's 02:30 and 01:30, Santiago's
# and Havana's midnight changes, Lord Howe's half hour.
@example(Schedule(dt.time(2, 30), "America/New_York"), utc(2026, 3, 1))
@example(Schedule(dt.time(1, 30), "America/New_York"), utc(2026, 10, 25))
@example(Schedule(dt.time(0, 30), "America/Santiago"), utc(2026, 8, 30))
@example(Schedule(dt.time(23, 30), "America/Santiago"), utc(2026, 3, 30))
@example(Schedule(dt.time(0, 30), "America/Havana"), utc(2026, 3, 1))
@example(Schedule(dt.time(0, 30), "America/Havana"), utc(2026, 10, 25))
@example(Schedule(dt.time(2, 15), "Australia/Lord_Howe", frozenset({6})), utc(2026, 9, 1))
def test_exactly_one_occurrence_per_scheduled_local_date(schedule: Schedule, start: dt.datetime) -> None:
    zone = schedule.tz
    walked, cursor = [], start
    for _ in range(21):
        occurrence = next_occurrence(schedule, cursor)
        walked.append(occurrence)
        cursor = occurrence.instant
    dates = [o.local_date for o in walked]
    # Every scheduled date between the first and the last, once, in order: none skipped, none doubled.
    span = (dates[-1] - dates[0]).days
    expected = [
        dates[0] + dt.timedelta(days=i)
        for i in range(span + 1)
        if (dates[0] + dt.timedelta(days=i)).weekday() in schedule.weekdays
    ]
    assert dates == expected
    for occurrence in walked:
        local = occurrence.instant.astimezone(zone)
        assert local.date() == occurrence.local_date
        real = _wall_instants(occurrence.local_date, schedule.time, zone)
        if real:  # the first of the times the wall clock shows it (the overlap's first)
            assert occurrence.instant == min(real)
        else:  # a time in a gap: later the same day, shifted forward by the gap
            assert local.time() > schedule.time


@given(schedules, instants, st.integers(0, 48 * 60))
def test_due_is_the_latest_occurrence_within_the_window(
    schedule: Schedule, now: dt.datetime, window_minutes: int
) -> None:
    window = dt.timedelta(minutes=window_minutes)
    found = due(schedule, now, window=window)
    latest = latest_occurrence(schedule, now)
    assert latest is not None  # a schedule with a weekday happens every week
    assert latest.instant <= now < next_occurrence(schedule, latest.instant).instant
    assert found == (latest if now - latest.instant <= window else None)
    # Not before the schedule was set: an occurrence before ``since`` is not owed.
    assert due(schedule, now, window=window, since=latest.instant + dt.timedelta(seconds=1)) is None


def test_zone_fallbacks_and_week_keys() -> None:
    now = utc(2026, 3, 8, 4, 30)  # still Saturday 7 March in New York
    assert known(None, "Mars/Olympus", "", "America/New_York") == "America/New_York"
    assert known(None, "Mars/Olympus") == "UTC"
    assert local_date(now, "America/New_York") == dt.date(2026, 3, 7)
    assert local_date(now, "Mars/Olympus") == dt.date(2026, 3, 8)
    assert utc_offset_hours(now, None, "Asia/Kolkata") == 5.5
    assert iso_week(dt.date(2026, 1, 1)) == "2026-W01" and iso_week(dt.date(2027, 1, 1)) == "2026-W53"
