"""A team of five through one working week in the console, Monday to Monday across the weekend
and the end of daylight saving in New York (Sunday 1 November 2026), on both databases.

What each member received, day by day: the culture prompt on weekdays only (09:30 New York time
before and after the change), carol's plan every morning at 09:00 her time (one a day, counting
down), the pairing scripts on both Mondays with carol — who interviews next — as a candidate,
the check-ins, and a digest each weekday that crowns the answer two members voted for. The
digest's top answers are printed (``pytest -s``) for the week's note.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from adapters.console.chat import Sent
from adapters.console.session import ConsoleSession
from bot.clock import ManualClock

NY = ZoneInfo("America/New_York")
TEAM = ("alice", "bob", "carol", "dave", "erin")
DAYS = [dt.date(2026, 10, 26) + dt.timedelta(days=n) for n in range(8)]  # Mon 26 Oct … Mon 2 Nov
CAREFUL = (
    "Situation: {topic} on a Friday release. I said what I knew and what I did not, rolled back "
    "first, wrote the decision and its context in the channel, and asked the owner to judge it."
)
SHORT = "I would talk to my manager about it and then decide what to do next with the whole team."
OTHER = "I would gather the data first, share it openly with the people affected, and then act on it."


async def at(session: ConsoleSession, clock: ManualClock, day: dt.date, hh: int, mm: int) -> None:
    """Set the clock to a New York wall time and let the bot do what is due."""
    clock.set(dt.datetime.combine(day, dt.time(hh, mm, 5), tzinfo=NY))
    await session.push("tick")


async def test_a_team_week_across_the_end_of_daylight_saving(
    session: ConsoleSession, clock: ManualClock
) -> None:
    clock.set(dt.datetime(2026, 10, 26, 12, 0, tzinfo=dt.UTC))  # Monday 08:00 in New York
    session.admins.add("alice")
    session.use_channel("team")
    await session.push("alice: /prep schedule 09:30 America/New_York mon-fri")
    for name in TEAM:
        await session.push(f"{name}: /prep tz America/New_York")
        await session.push(f"{name}: /prep pair")
    await session.push("carol: /prep interview 2026-11-03")
    starts: dict[dt.date, int] = {}
    tops: list[str] = []
    for day in DAYS:
        starts[day] = len(session.chat.log)
        await at(session, clock, day, 9, 0)
        await at(session, clock, day, 9, 30)
        await at(session, clock, day, 10, 0)
        if day.weekday() >= 5:
            continue
        await session.push(f"bob: reply {CAREFUL.format(topic=day.strftime('%A'))}")
        await session.push(f"carol: reply {SHORT}")
        await session.push(f"erin: reply {OTHER}")
        for voter in ("alice", "dave"):
            await session.push(f"{voter}: press Vote")
            await session.push(f"{voter}: press 1")  # bob's careful answer, first on the ballot
        clock.set(dt.datetime.combine(day, dt.time(17, 0), tzinfo=NY))
        await session.push("alice: /prep reveal")
        [digest] = [s for s in session.chat.log[starts[day] :] if s.text.startswith("Voting is closed on")]
        crowned = [sec for sec in digest.message.sections if (sec.title or "").startswith("Top answer")]
        assert len(crowned) == 1 and "Friday release" in crowned[0].text, digest.text
        scenario = digest.text.split("“", 1)[1].split("”", 1)[0]
        tops.append(f"{day:%a %d %b} · “{scenario}” · {crowned[0].title}: {crowned[0].text}")
    starts[DAYS[-1] + dt.timedelta(days=1)] = len(session.chat.log)

    def window(day: dt.date) -> list[Sent]:
        """What the bot sent from that day's first tick until the next day's."""
        return [
            m
            for m in session.chat.log[starts[day] : starts[day + dt.timedelta(days=1)]]
            if m.author == "prepbot"
        ]

    def received(member: str, day: dt.date) -> list[str]:
        return [m.text for m in window(day) if m.ref.channel.id == f"dm-{member}"]

    for day in DAYS:
        prompts = [
            m
            for m in window(day)
            if m.ref.channel.id == "team" and not m.is_private and not m.in_thread and m.message.buttons
        ]
        assert len(prompts) == (0 if day.weekday() >= 5 else 1), (day, [p.text for p in prompts])
        plans = [t for t in received("carol", day) if "to your Netflix interview" in t]
        assert len(plans) == 1 and f"{(dt.date(2026, 11, 3) - day).days} day" in plans[0], (day, plans)
        for member in ("alice", "bob", "dave", "erin"):
            assert not any("interview (2026" in t for t in received(member, day))  # plans are carol's own
    for monday, number in ((DAYS[0], 1), (DAYS[7], 2)):
        for member in TEAM:
            [script] = [t for t in received(member, monday) if "Mock interview this week" in t]
            if member == "carol":
                assert "interviews you" in script  # she interviews next: a candidate
        footers = [m.message.footer or "" for m in window(monday) if "Mock interview" in m.text]
        assert len(footers) == len(TEAM) and all(f.startswith(f"Round {number}.") for f in footers)
    for member in TEAM:  # the check-in, two days after the first round (Wednesday 10:00)
        assert any(t.startswith("Check-in") for t in received(member, DAYS[2]))
    print("\nTop answers of the simulated week (America/New_York, DST ends Sun 1 Nov 2026):")
    print("\n".join(tops))
