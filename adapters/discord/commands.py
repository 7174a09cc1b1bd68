"""``/prep`` as an app_commands group: the contract's sub-commands with typed options.

Options follow the contract's order (``quiz topic``, ``challenge topic rounds``,
``leaderboard period``, ``schedule time timezone weekdays``); each invocation is
handed on as the sub-command's name and its given option values, in that order,
exactly as Slack passes the words after ``/prep``.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

import discord
from discord import app_commands

from bot.commands import BY_NAME
from bot.content import Library
from bot.render import clip

Runner = Callable[[discord.Interaction[Any], str, tuple[str, ...]], Awaitable[None]]
Interaction = discord.Interaction[Any]
PLAIN = ("help", "review", "stats", "topics", "ask", "prompt", "reveal", "pair", "export")
MAX_CHOICES = 25


def _summary(name: str) -> str:
    return clip(BY_NAME[name].summary, 100)


def _args(*values: object) -> tuple[str, ...]:
    """Given option values as command words, as a Slack member would type them (omitted ones skipped)."""
    return tuple(str(v).strip() for v in values if v is not None and str(v).strip())


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/")))


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

    async def topics(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        needle = current.casefold()
        found = [
            app_commands.Choice(name=clip(f"{t.title} ({t.id})", 100), value=t.id)
            for t in library.default.topics
            if needle in t.id.casefold() or needle in t.title.casefold()
        ]
        return found[:MAX_CHOICES]

    async def zones(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        needle = current.casefold().replace(" ", "_")
        found = [z for z in _zones() if needle in z.casefold()]
        return [app_commands.Choice(name=z, value=z) for z in found[:MAX_CHOICES]]

    for name in PLAIN:
        group.add_command(_plain(name, run))

    @group.command(name="quiz", description=_summary("quiz"))
    @app_commands.describe(topic="A topic to practise (any topic when left out).")
    @app_commands.autocomplete(topic=topics)
    async def quiz(interaction: Interaction, topic: str | None = None) -> None:
        await run(interaction, "quiz", _args(topic))

    @group.command(name="challenge", description=_summary("challenge"))
    @app_commands.describe(topic="The round's topic.", rounds="How many questions (1–20).")
    @app_commands.autocomplete(topic=topics)
    async def challenge(
        interaction: Interaction,
        topic: str | None = None,
        rounds: app_commands.Range[int, 1, 20] | None = None,
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

    @group.command(name="interview", description=_summary("interview"))
    @app_commands.describe(
        date="Your interview date, YYYY-MM-DD.", company="The company (default: the pack's)."
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
