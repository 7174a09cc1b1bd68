"""Pure zone parsing: Area/City names and UTC pass; abbreviations, offsets and aliases are refused."""

from __future__ import annotations

import pytest

from bot.schedule import ScheduleError, parse_request
from bot.zones import ZoneError, known_zone, looks_like_zone, parse_zone


@pytest.mark.parametrize(
    ("text", "zone"),
    [("Europe/London", "Europe/London"), ("america/new_york", "America/New_York"), ("UTC", "UTC"),
     ("etc/utc", "UTC"), ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires")],
)  # fmt: skip
def test_area_city_names_and_utc_are_accepted(text: str, zone: str) -> None:
    assert parse_zone(text) == zone


@pytest.mark.parametrize(
    ("text", "names"),
    [("EST", "`America/New_York` or `America/Toronto`"), ("pst", "`America/Los_Angeles`"),
     ("CET", "`Europe/Paris`"), ("GMT", "`Europe/London`"), ("AEST", "`Australia/Sydney`"),
     ("GMT+1", "`Europe/Paris`"), ("UTC-5", "`America/New_York`"), ("+05:30", "`Asia/Kolkata`"),
     ("Etc/GMT+5", "`America/New_York`"), ("Japan", "`Asia/Tokyo`"), ("EST5EDT", "`America/New_York`"),
     ("Paris", "`Europe/Paris`")],
)  # fmt: skip
def test_ambiguous_or_fixed_zones_are_refused_with_names_to_use(text: str, names: str) -> None:
    with pytest.raises(ZoneError) as refused:
        parse_zone(text)
    assert names in str(refused.value)


def test_schedule_reads_refused_zones_as_zones_not_as_unknown_words() -> None:
    for word in ("PST", "UTC-5", "CEST"):
        with pytest.raises(ScheduleError) as refused:
            parse_request(("09:30", word, "mon-fri"))
        assert "Area/City" in str(refused.value) or "abbreviation" in str(refused.value)
    assert looks_like_zone("utc+2") and not looks_like_zone("mon-fri") and not looks_like_zone("reminders")
    assert parse_request(("09:30", "Asia/Tokyo", "sat")).schedule is not None


def test_a_profile_zone_is_kept_only_when_it_is_a_real_iana_name() -> None:
    assert known_zone("America/Los_Angeles") == "America/Los_Angeles"
    assert known_zone("Etc/UTC") == "UTC"
    assert known_zone("Mars/Olympus") is None and known_zone("") is None and known_zone(None) is None
