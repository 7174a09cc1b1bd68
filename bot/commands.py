"""The ``/prep`` sub-commands: one table for help text and for platform registration."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandSpec:
    """One sub-command: its usage line, what it does, and who may run it.

    ``admin``: the platform's admins only. ``organizer``: admins, or an organizer
    of the channel it runs in (see ``bot.services.permissions``).
    """

    name: str
    usage: str
    summary: str
    admin: bool = False
    options: tuple[str, ...] = ()
    organizer: bool = False


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("help", "help", "Show what prepbot can do."),
    CommandSpec(
        "quiz", "quiz [topic]", "Practise privately with a multiple-choice question.", options=("topic",)
    ),
    CommandSpec(
        "challenge",
        "challenge [topic] [rounds] | challenge stop",
        "Start a timed quiz round for the whole channel; `stop` ends the running one.",
        options=("topic", "rounds"),
    ),
    CommandSpec(
        "review", "review", "Review what you missed, timed (FSRS) so you recall it on your interview day."
    ),
    CommandSpec(
        "leaderboard", "leaderboard [week|month|all]", "Points in this workspace.", options=("period",)
    ),
    CommandSpec(
        "stats",
        "stats",
        "Your accuracy, streak and predicted recall per topic (today and on your interview day).",
    ),
    CommandSpec("topics", "topics", "The topics and how many items each has."),
    CommandSpec("ask", "ask", "A question to ask your interviewer, with what to listen for."),
    CommandSpec("prompt", "prompt", "Post a culture scenario to this channel now.", organizer=True),
    CommandSpec(
        "reveal", "reveal", "Close voting on the latest scenario and post the digest.", organizer=True
    ),
    CommandSpec(
        "schedule",
        "schedule HH:MM [Area/City] [weekdays] | schedule off",
        "Set or stop the daily culture prompt for this channel (weekdays like `mon-fri`).",
        organizer=True,
        options=("time", "timezone", "weekdays"),
    ),
    CommandSpec(
        "pair",
        "pair | pair now | pair day DAY | pair off",
        "Opt in or out of mock interviews; organizers: `now` draws, `day` moves, `off` pauses the round.",
        options=("action", "day"),
    ),
    CommandSpec(
        "reminders",
        "reminders on|off",
        "A direct message before voting closes on a culture scenario you have not answered.",
        options=("choice",),
    ),
    CommandSpec(
        "organizers",
        "organizers add|remove|list [@member]",
        "Name who may run this channel's prep (schedule, prompt, reveal, pair now).",
        admin=True,
        options=("action", "member"),
    ),
    CommandSpec(
        "tz",
        "tz [Area/City] | tz profile",
        "Set your time zone; alone, show it; `profile` goes back to your platform profile's zone.",
        options=("zone",),
    ),
    CommandSpec(
        "interview",
        "interview YYYY-MM-DD [company] | interview off",
        "Set your interview date and get a daily plan (09:00 your time); `off` clears it.",
        options=("date", "company"),
    ),
    CommandSpec(
        "story",
        "story",
        "Today's story to rehearse: the situation, what a strong answer covers, the follow-ups.",
    ),
    CommandSpec("export", "export", "Get your prep document as a Markdown file in your direct messages."),
    CommandSpec(
        "forget-me",
        "forget-me",
        "Delete everything prepbot keeps about you in this workspace (asks you to confirm first).",
    ),
)

BY_NAME = {spec.name: spec for spec in COMMANDS}


def help_lines() -> list[str]:
    """One line per command, those for admins (and organizers) marked."""
    lines = []
    for spec in COMMANDS:
        mark = " _(admins)_" if spec.admin else " _(admins and organizers)_" if spec.organizer else ""
        lines.append(f"`/prep {spec.usage}` — {spec.summary}{mark}")
    return lines
