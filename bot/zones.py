"""Time zones people type: IANA ``Area/City`` names, or ``UTC``; nothing ambiguous.

Pure functions, no I/O. Abbreviations (``EST``, ``CET``, ``IST``) and fixed
offsets (``GMT+1``, ``UTC-5``, ``Etc/GMT+5``) are refused: an abbreviation may
name several zones (IST is India, Ireland or Israel), and a fixed offset never
follows daylight saving, so ``09:30 EST`` would drift an hour every summer.
The refusal names the ``Area/City`` zones to use instead.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from functools import cache

# The IANA areas of real places. Legacy links such as ``US/Eastern`` also have a
# slash and follow daylight saving, so they are accepted too; ``Etc/`` is offsets.
FIXED_AREAS = ("etc/",)
UTC_NAMES = {"utc", "etc/utc"}
# Names of UTC itself or of a fixed offset, outside ``Etc/``.
FIXED_NAMES = {"gmt0", "gmt+0", "gmt-0", "greenwich", "uct", "universal", "zulu"}
EXAMPLE = "Use an IANA name like Europe/London or America/New_York."

# Common abbreviations, in both seasons, and the places people usually mean.
_NEW_YORK = ("America/New_York", "America/Toronto")
_CHICAGO = ("America/Chicago", "America/Mexico_City")
_DENVER = ("America/Denver", "America/Phoenix", "America/Edmonton")
_LOS_ANGELES = ("America/Los_Angeles", "America/Vancouver")
_CENTRAL_EUROPE = ("Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Amsterdam")
_EASTERN_EUROPE = ("Europe/Athens", "Europe/Helsinki", "Europe/Bucharest", "Europe/Kyiv")
_SYDNEY = ("Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane")
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "est": _NEW_YORK,
    "edt": _NEW_YORK,
    "et": _NEW_YORK,
    "est5edt": _NEW_YORK,
    "cst": (*_CHICAGO, "Asia/Shanghai"),
    "cdt": _CHICAGO,
    "ct": _CHICAGO,
    "cst6cdt": _CHICAGO,
    "mst": _DENVER,
    "mdt": _DENVER,
    "mt": _DENVER,
    "mst7mdt": _DENVER,
    "pst": _LOS_ANGELES,
    "pdt": _LOS_ANGELES,
    "pt": _LOS_ANGELES,
    "pst8pdt": _LOS_ANGELES,
    "akst": ("America/Anchorage",),
    "hst": ("Pacific/Honolulu",),
    "ast": ("America/Halifax", "Asia/Riyadh"),
    "nst": ("America/St_Johns",),
    "gmt": ("Europe/London", "Europe/Dublin", "UTC"),
    "bst": ("Europe/London",),
    "ist": ("Asia/Kolkata", "Europe/Dublin", "Asia/Jerusalem"),
    "wet": ("Europe/Lisbon",),
    "west": ("Europe/Lisbon",),
    "cet": _CENTRAL_EUROPE,
    "cest": _CENTRAL_EUROPE,
    "met": _CENTRAL_EUROPE,
    "eet": _EASTERN_EUROPE,
    "eest": _EASTERN_EUROPE,
    "msk": ("Europe/Moscow",),
    "gst": ("Asia/Dubai",),
    "pkt": ("Asia/Karachi",),
    "ict": ("Asia/Bangkok", "Asia/Ho_Chi_Minh"),
    "wib": ("Asia/Jakarta",),
    "sgt": ("Asia/Singapore",),
    "hkt": ("Asia/Hong_Kong",),
    "pht": ("Asia/Manila",),
    "jst": ("Asia/Tokyo",),
    "kst": ("Asia/Seoul",),
    "awst": ("Australia/Perth",),
    "acst": ("Australia/Adelaide", "Australia/Darwin"),
    "aest": _SYDNEY,
    "aedt": _SYDNEY,
    "nzst": ("Pacific/Auckland",),
    "nzdt": ("Pacific/Auckland",),
    "brt": ("America/Sao_Paulo",),
    "art": ("America/Argentina/Buenos_Aires",),
    "sast": ("Africa/Johannesburg",),
    "wat": ("Africa/Lagos",),
    "cat": ("Africa/Maputo", "Africa/Harare"),
    "eat": ("Africa/Nairobi",),
}
# Old one-word aliases of IANA zones and the Area/City name each stands for.
ALIASES = {
    "cuba": "America/Havana",
    "egypt": "Africa/Cairo",
    "eire": "Europe/Dublin",
    "gb": "Europe/London",
    "gb-eire": "Europe/London",
    "hongkong": "Asia/Hong_Kong",
    "iceland": "Atlantic/Reykjavik",
    "iran": "Asia/Tehran",
    "israel": "Asia/Jerusalem",
    "jamaica": "America/Jamaica",
    "japan": "Asia/Tokyo",
    "kwajalein": "Pacific/Kwajalein",
    "libya": "Africa/Tripoli",
    "navajo": "America/Denver",
    "nz": "Pacific/Auckland",
    "nz-chat": "Pacific/Chatham",
    "poland": "Europe/Warsaw",
    "portugal": "Europe/Lisbon",
    "prc": "Asia/Shanghai",
    "roc": "Asia/Taipei",
    "rok": "Asia/Seoul",
    "singapore": "Asia/Singapore",
    "turkey": "Europe/Istanbul",
    "w-su": "Europe/Moscow",
}
# ``UTC-5``, ``GMT+1``, ``+05:30``, ``UTC+5:30``: a fixed offset from UTC.
OFFSET = re.compile(r"^(?:utc|gmt|z)?\s*(?P<sign>[+\-−])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$")
# Places suggested for an offset: one or two large cities per hour of the world.
CITIES = (
    "Pacific/Honolulu America/Anchorage America/Los_Angeles America/Denver America/Phoenix "
    "America/Chicago America/Mexico_City America/New_York America/Bogota America/Halifax "
    "America/Sao_Paulo America/Argentina/Buenos_Aires Atlantic/Azores Europe/London Europe/Lisbon "
    "Africa/Lagos Europe/Paris Europe/Berlin Africa/Johannesburg Europe/Athens Europe/Helsinki "
    "Africa/Cairo Europe/Moscow Africa/Nairobi Asia/Dubai Asia/Karachi Asia/Kolkata Asia/Dhaka "
    "Asia/Bangkok Asia/Jakarta Asia/Singapore Asia/Shanghai Australia/Perth Asia/Tokyo "
    "Asia/Seoul Australia/Adelaide Australia/Brisbane Australia/Sydney Pacific/Auckland"
).split()
# Offsets are compared in winter and in summer; any year will do, one is fixed so
# the suggestions do not depend on the day they are asked.
SEASONS = (dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC), dt.datetime(2026, 7, 15, 12, tzinfo=dt.UTC))


class ZoneError(ValueError):
    """Text that is not a usable time zone; the message names zones to use."""


@cache
def _names() -> dict[str, str]:
    return {name.casefold(): name for name in zoneinfo.available_timezones()}


def _is_place(folded: str) -> bool:
    return "/" in folded and not folded.startswith(FIXED_AREAS)


def parse_zone(text: str) -> str:
    """The canonical IANA name for ``text`` (any case), or a ZoneError that says what to write."""
    word = text.strip().strip("`")
    folded = word.casefold()
    if folded in UTC_NAMES:
        return "UTC"
    found = _names().get(folded)
    if found is not None and _is_place(folded):
        return found
    if folded in ABBREVIATIONS:
        raise ZoneError(
            f"`{word}` is an abbreviation, not a time zone: it can mean different places and "
            f"does not say when daylight saving applies. Use {_or(ABBREVIATIONS[folded])}."
        )
    offset = _offset_of(folded, found)
    if found is not None and offset is None:
        same = ALIASES.get(folded)
        hint = f" Use `{same}`." if same else f" {EXAMPLE}"
        raise ZoneError(f"`{word}` is an old alias, not an Area/City name.{hint}")
    if offset is not None:
        places = _places_at(offset) + (["UTC"] if not offset else [])
        hint = f" For {_format(offset)} that could be {_or(places)}." if places else ""
        raise ZoneError(
            f"`{word}` is a fixed offset from UTC: it never follows daylight saving. "
            f"Name the place instead (Area/City).{hint}"
        )
    raise ZoneError(f"`{word}` is not a time zone I know. {EXAMPLE}{_close(folded)}")


def looks_like_zone(word: str) -> bool:
    """True when ``word`` is meant as a time zone, even a refused one (``EST``, ``UTC-5``)."""
    folded = word.strip().casefold()
    return "/" in folded or folded in _names() or folded in ABBREVIATIONS or OFFSET.match(folded) is not None


def known_zone(name: str | None) -> str | None:
    """A zone a platform reported (Slack's profile ``tz``) if it is a real IANA name, else None."""
    if not name:
        return None
    found = _names().get(name.strip().casefold())
    return "UTC" if found in ("UTC", "Etc/UTC") else found


def _offset_of(folded: str, found: str | None) -> dt.timedelta | None:
    match = OFFSET.match(folded)
    if match is not None:
        hours, minutes = int(match["h"]), int(match["m"] or 0)
        if hours > 14 or minutes > 59:
            return None
        sign = -1 if match["sign"] in "-−" else 1
        return sign * dt.timedelta(hours=hours, minutes=minutes)
    if found is None or not (found.casefold().startswith(FIXED_AREAS) or folded in FIXED_NAMES):
        return None
    return SEASONS[0].astimezone(zoneinfo.ZoneInfo(found)).utcoffset()


def _places_at(offset: dt.timedelta) -> list[str]:
    """Cities at ``offset`` in winter (January), then those at it in summer."""
    found: list[str] = []
    for season in SEASONS:
        found += [
            city
            for city in CITIES
            if city not in found and season.astimezone(zoneinfo.ZoneInfo(city)).utcoffset() == offset
        ]
    return found[:4]


def _format(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def _or(names: tuple[str, ...] | list[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"


def _close(folded: str) -> str:
    places = [name for key, name in _names().items() if _is_place(key)]
    same_city = [p for p in places if p.rsplit("/", 1)[-1].casefold() == folded]
    if same_city:
        return f" Did you mean {_or(same_city[:3])}?"
    # Compare whole names (``Europe/Londn``) and city parts (``Londn``) alike.
    by_key = {p.casefold(): p for p in places} | {p.rsplit("/", 1)[-1].casefold(): p for p in places}
    import difflib  # only for a misspelt zone: a serving process need not load it up front

    close = difflib.get_close_matches(folded, list(by_key), n=3, cutoff=0.6)
    names = list(dict.fromkeys(by_key[c] for c in close))
    return f" Did you mean {_or(names)}?" if names else ""
