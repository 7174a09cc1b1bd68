"""``/prep`` as an app_commands group: the contract's sub-commands with typed options.

Options follow the contract's order (``quiz topic``, ``challenge topic rounds``,
``leaderboard period``, ``schedule time timezone weekdays``, ``pair action day``,
``organizers action member``, ``tz zone``, ``interview date company``); each
invocation is handed on as the sub-command's name and its given option values, in
that order, exactly as Slack passes the words after ``/prep`` (a member option
becomes ``<@ID>``, the token Slack's ``<@U123|name>`` is normalised to).
Choices stand where the words are fixed; topics and time zones autocomplete.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Awaitable, Callable, Iterable
from functools import cache
from typing import Any

import discord
from discord import app_commands

from bot.commands import BY_NAME
from bot.content import Library
from bot.quiz import DEFAULT_ROUNDS, MAX_ROUNDS
from bot.render import clip
from bot.services.quiz import practice_topics

Runner = Callable[[discord.Interaction[Any], str, tuple[str, ...]], Awaitable[None]]
Interaction = discord.Interaction[Any]
PLAIN = ("help", "review", "stats", "topics", "ask", "prompt", "reveal", "story", "export", "forget-me")
MAX_CHOICES = 25
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# tzdata's geographic areas; legacy aliases (US/Eastern, Brazil/West) and Etc/ stay out.
AREAS = frozenset("Africa America Antarctica Arctic Asia Atlantic Australia Europe Indian Pacific".split())
# Offered when nothing is typed yet: the zones most teams start from.
COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
)


def _summary(name: str) -> str:
    return clip(BY_NAME[name].summary, 100)


def _args(*values: object) -> tuple[str, ...]:
    """Given option values as command words, as a Slack member would type them (omitted ones skipped)."""
    return tuple(str(v).strip() for v in values if v is not None and str(v).strip())


def _choices(pairs: Iterable[tuple[str, str]]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=name, value=value) for name, value in pairs]


@cache
def _zones() -> tuple[str, ...]:
    """IANA ``Area/City`` names and UTC; abbreviations like ``EST`` are left out (no daylight saving)."""
    areas = (z for z in zoneinfo.available_timezones() if z.split("/", 1)[0] in AREAS and "/" in z)
    return ("UTC", *sorted(areas))


def matching_zones(typed: str) -> list[str]:
    """Zones containing what was typed (spaces as underscores), those whose city starts with it first."""
    needle = typed.strip().casefold().replace(" ", "_")
    if not needle:
        return list(COMMON_ZONES[:MAX_CHOICES])
    found = [z for z in _zones() if needle in z.casefold()]
    found.sort(key=lambda z: (not z.casefold().rsplit("/", 1)[-1].startswith(needle), z))
    return found[:MAX_CHOICES]


def _topic_choices(library: Library, typed: str, *, mcq_only: bool) -> list[app_commands.Choice[str]]:
    """Topics with questions to ask: multiple-choice ones for practice, any quiz kind for a challenge."""
    pack = library.default
    if mcq_only:
        with_items = set(practice_topics(pack))
    else:
        with_items = {t.id for t in pack.topics if pack.quiz_items(topic=t.id)}
    needle = typed.strip().casefold()
    found = [
        (clip(f"{t.title} ({t.id})", 100), t.id)
        for t in pack.topics
        if t.id in with_items and (needle in t.id.casefold() or needle in t.title.casefold())
    ]
    return _choices(found[:MAX_CHOICES])


def build_group(run: Runner, library: Library) -> app_commands.Group:
    """The ``/prep`` group; ``run(interaction, name, args)`` does the work for every sub-command."""
    # Servers only (every row belongs to a guild); installed to servers, not to users.
    group = app_commands.Group(
        name="prep",
        description="Interview prep with your team.",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        allowed_installs=app_commands.AppInstallationType(guild=True),
    )

    async def quiz_topics(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return _topic_choices(library, current, mcq_only=True)

    async def challenge_topics(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        found = _topic_choices(library, current, mcq_only=False)
        typed = current.strip().casefold()
        if typed and "stop".startswith(typed):  # `/prep challenge stop` ends the running one
            found = [app_commands.Choice(name="stop (end the running challenge)", value="stop"), *found]
        return found[:MAX_CHOICES]

    async def zones(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return _choices((z, z) for z in matching_zones(current))

    for name in PLAIN:
        group.add_command(_plain(name, run))

    @group.command(name="quiz", description=_summary("quiz"))
    @app_commands.describe(topic="A topic to practise (any topic when left out).")
    @app_commands.autocomplete(topic=quiz_topics)
    async def quiz(interaction: Interaction, topic: str | None = None) -> None:
        await run(interaction, "quiz", _args(topic))

    @group.command(name="challenge", description=_summary("challenge"))
    @app_commands.describe(
        topic="The round's topic (any topic when left out), or stop to end the running challenge.",
        rounds=f"How many questions (1–{MAX_ROUNDS}, default {DEFAULT_ROUNDS}).",
    )
    @app_commands.autocomplete(topic=challenge_topics)
    async def challenge(
        interaction: Interaction,
        topic: str | None = None,
        rounds: app_commands.Range[int, 1, MAX_ROUNDS] | None = None,
    ) -> None:
        await run(interaction, "challenge", _args(topic, rounds))

    @group.command(name="leaderboard", description=_summary("leaderboard"))
    @app_commands.describe(period="This week, this month, or all time.")
    @app_commands.choices(
        period=[app_commands.Choice(name=p, value=p) for p in ("week", "month", "all")],
    )
    async def leaderboard(interaction: Interaction, period: app_commands.Choice[str] | None = None) -> None:
        await run(interaction, "leaderboard", _args(period.value if period else None))

    @group.command(name="schedule", description=_summary("schedule"))
    @app_commands.describe(
        time="HH:MM in the channel's time zone, or off to stop.",
        timezone="An IANA time zone such as Europe/London.",
        weekdays="A day, a range or a list: sat, mon-fri, mon,wed,fri.",
    )
    @app_commands.autocomplete(timezone=zones)
    async def schedule(
        interaction: Interaction, time: str, timezone: str | None = None, weekdays: str | None = None
    ) -> None:
        await run(interaction, "schedule", _args(time, timezone, weekdays))

    @group.command(name="pair", description=_summary("pair"))
    @app_commands.describe(
        action="Leave empty to opt in or out. Organizers: now draws this week's pairs, day sets the "
        "weekly day, off pauses pairing.",
        day="With action day: the day pairs are drawn each week.",
    )
    @app_commands.choices(
        action=_choices(
            [("now: draw this week's pairs", "now"), ("day: set the weekly day", "day"), ("off", "off")]
        ),
        day=_choices(zip(DAY_NAMES, DAYS, strict=True)),
    )
    async def pair(
        interaction: Interaction,
        action: app_commands.Choice[str] | None = None,
        day: app_commands.Choice[str] | None = None,
    ) -> None:
        # A day picked without an action can only mean "pair day DAY".
        word = action.value if action else ("day" if day else None)
        await run(interaction, "pair", _args(word, day.value if day else None))

    @group.command(name="reminders", description=_summary("reminders"))
    @app_commands.describe(
        choice="on: a direct message before voting closes on a scenario you have not answered."
    )
    @app_commands.choices(choice=_choices((c, c) for c in ("on", "off")))
    async def reminders(interaction: Interaction, choice: app_commands.Choice[str]) -> None:
        await run(interaction, "reminders", _args(choice.value))

    @group.command(name="organizers", description=_summary("organizers"))
    @app_commands.describe(
        action="add or remove a member, or list this channel's organizers.",
        member="The member to add or remove.",
    )
    @app_commands.choices(action=_choices((a, a) for a in ("add", "remove", "list")))
    async def organizers(
        interaction: Interaction, action: app_commands.Choice[str], member: discord.User | None = None
    ) -> None:
        await run(interaction, "organizers", _args(action.value, f"<@{member.id}>" if member else None))

    @group.command(name="tz", description=_summary("tz"))
    @app_commands.describe(zone="An IANA time zone such as Europe/London (leave empty to see yours).")
    @app_commands.autocomplete(zone=zones)
    async def tz(interaction: Interaction, zone: str | None = None) -> None:
        await run(interaction, "tz", _args(zone))

    @group.command(name="interview", description=_summary("interview"))
    @app_commands.describe(
        date="Your interview date, YYYY-MM-DD, or off to clear it.",
        company="The company (default: the pack's).",
    )
    async def interview(interaction: Interaction, date: str, company: str | None = None) -> None:
        await run(interaction, "interview", _args(date, company))

    # discord.py lists sub-commands in the order they were added; keep the contract's table order.
    ordered = sorted(group.commands, key=lambda c: list(BY_NAME).index(c.name))
    for command in list(group.commands):
        group.remove_command(command.name)
    for command in ordered:
        group.add_command(command)
    return group


def _plain(name: str, run: Runner) -> app_commands.Command[Any, Any, None]:
    async def callback(interaction: Interaction) -> None:
        await run(interaction, name, ())

    return app_commands.Command(name=name, description=_summary(name), callback=callback)
