"""Member time zones: from the Slack profile or ``/prep tz``, used by streaks, plans and pairing."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.domain import MemberRef, SpaceRef
from bot.services.context import ServiceContext
from bot.store.engine import Database
from bot.store.models import Member
from bot.store.tenants import CHOSEN, PROFILE, ensure_member, set_member_zone
from tests.support.fake_slack import FakeSlack, slack_app_on, text_of


async def member_row(db: Database, external_id: str) -> Member:
    async with db.unit() as s:
        return (await s.execute(select(Member).where(Member.external_id == external_id))).scalars().one()


async def test_tz_sets_and_shows_the_members_zone(session: ConsoleSession, db: Database) -> None:
    unset = await session.push("lee: /prep tz")
    assert unset[0].visible_to == "lee"
    assert "no time zone set, so prepbot uses this channel's (UTC)" in unset[0].text
    done = await session.push("lee: /prep tz europe/paris")
    assert "Time zone set. Your time zone is Europe/Paris (you set it with `/prep tz`)" in done[0].text
    # The console clock starts at 08:00 UTC on 5 January 2026: 09:00 in Paris.
    assert "it is 09:00 there now" in done[0].text
    shown = await session.push("lee: /prep tz")
    assert "Your time zone is Europe/Paris (you set it with `/prep tz`)" in shown[0].text
    row = await member_row(db, "lee")
    assert (row.timezone, row.timezone_source) == ("Europe/Paris", CHOSEN)
    assert "Your time zone is UTC" in (await session.push("lee: /prep tz UTC"))[0].text


async def test_abbreviations_and_offsets_are_refused_with_the_names_to_use(session: ConsoleSession) -> None:
    est = await session.push("lee: /prep tz EST")
    assert est[0].visible_to == "lee"
    assert "`EST` is an abbreviation" in est[0].text
    assert "`America/New_York` or `America/Toronto`" in est[0].text
    ist = await session.push("lee: /prep tz IST")
    assert "`Asia/Kolkata`, `Europe/Dublin` or `Asia/Jerusalem`" in ist[0].text
    offset = await session.push("lee: /prep tz UTC-5")
    assert "fixed offset" in offset[0].text and "`America/New_York`" in offset[0].text
    etc = await session.push("lee: /prep tz Etc/GMT-1")  # POSIX sign: this is UTC+1
    assert "fixed offset" in etc[0].text and "`Europe/Paris`" in etc[0].text
    assert "Did you mean `Europe/London`" in (await session.push("lee: /prep tz Europe/Londn"))[0].text
    assert "Give one time zone" in (await session.push("lee: /prep tz Europe/Paris Europe/Rome"))[0].text
    # Nothing refused was stored.
    assert "no time zone set" in (await session.push("lee: /prep tz"))[0].text

    session.admins.add("alice")
    for zone, name in (
        ("EST", "America/New_York"),
        ("PST", "America/Los_Angeles"),
        ("GMT+1", "Europe/Paris"),
    ):
        refused = await session.push(f"alice: /prep schedule 09:30 {zone} mon-fri")
        assert refused[0].visible_to == "alice" and f"`{name}`" in refused[0].text, refused[0].text
        assert "Usage: `/prep schedule HH:MM [Area/City] [weekdays]`" in refused[0].text
    ok = await session.push("alice: /prep schedule 09:30 UTC mon-fri")
    assert "Daily culture prompt set: 09:30 UTC, mon-fri" in ok[0].text


async def answer_a_question(session: ConsoleSession, who: str) -> None:
    await session.push(f"{who}: /prep quiz culture-values")
    await session.push(f"{who}: press 1")


async def test_streaks_count_days_in_the_members_zone(session: ConsoleSession) -> None:
    await session.push("lee: /prep tz America/Los_Angeles")
    # 10:00 and 20:00 on Monday in Los Angeles: one day there, two days in UTC.
    await session.push("clock 2026-01-05 10:00 America/Los_Angeles")
    for who in ("lee", "kim"):
        await answer_a_question(session, who)
    await session.push("clock 2026-01-05 20:00 America/Los_Angeles")
    for who in ("lee", "kim"):
        await answer_a_question(session, who)
    lee = await session.push("lee: /prep stats")
    assert "streak 1 day(s)" in lee[0].text and "Days count in America/Los_Angeles." in lee[0].text
    kim = await session.push("kim: /prep stats")
    assert "streak 2 day(s)" in kim[0].text and "Days count in UTC" in kim[0].text
    assert "/prep tz Area/City" in kim[0].text


async def test_the_plan_arrives_at_nine_in_the_members_zone(
    session: ConsoleSession, clock: ManualClock
) -> None:
    await session.push("tomo: /prep tz Asia/Tokyo")
    await session.push("tomo: /prep interview 2026-01-20")
    await session.push("uma: /prep interview 2026-01-20")
    # 09:00 on Tuesday in Tokyo is midnight UTC: Tomo's plan comes, Uma's (UTC) waits.
    clock.set(dt.datetime(2026, 1, 6, 0, 0, 30, tzinfo=dt.UTC))
    await session.bot.tick(session.chat)
    since = len(session.chat.log)
    plans = {s.visible_to for s in session.chat.log if "14 days to your" in s.text}
    assert plans == {"tomo"}
    clock.set(dt.datetime(2026, 1, 6, 9, 0, 30, tzinfo=dt.UTC))
    await session.bot.tick(session.chat)
    later = {s.visible_to for s in session.chat.log[since:] if "14 days to your" in s.text}
    assert later == {"uma"}


async def test_a_profile_zone_follows_the_profile_until_the_member_chooses(ctx: ServiceContext) -> None:
    space = SpaceRef("slack", "T0ZONES")
    async with ctx.db.unit() as s:
        first = await ensure_member(s, ref=MemberRef(space, "U1", "ann", timezone="Asia/Tokyo"))
    assert (first.timezone, first.timezone_source) == ("Asia/Tokyo", PROFILE)
    async with ctx.db.unit() as s:
        moved = await ensure_member(s, ref=MemberRef(space, "U1", "ann", timezone="Europe/Berlin"))
        unknown = await ensure_member(s, ref=MemberRef(space, "U1", "ann", timezone="Mars/Olympus"))
    assert (moved.timezone, unknown.timezone) == ("Europe/Berlin", "Europe/Berlin")
    async with ctx.db.unit() as s:
        member = await ensure_member(s, ref=MemberRef(space, "U1", "ann"))
        await set_member_zone(s, member=member, zone="America/Chicago", source=CHOSEN)
    async with ctx.db.unit() as s:
        kept = await ensure_member(s, ref=MemberRef(space, "U1", "ann", timezone="Asia/Tokyo"))
    assert (kept.timezone, kept.timezone_source) == ("America/Chicago", CHOSEN)


async def test_slack_profile_zone_reaches_the_member_row_through_the_adapter(
    ctx: ServiceContext, db: Database
) -> None:
    async with FakeSlack() as slack, slack_app_on(ctx, slack) as app:
        app.directory.ttl = 0.0  # refresh the profile on every request, as after the cache's TTL
        slack.add_user("U0TOMO", "tomo", tz="Asia/Tokyo")
        await slack.command("stats", user="U0TOMO")
        [stats] = await slack.wait_for(lambda: slack.sent("chat.postEphemeral"))
        assert "Days count in Asia/Tokyo." in text_of(stats)
        [info] = slack.sent("users.info", user="U0TOMO")
        assert info.result["user"]["tz"] == "Asia/Tokyo"
        row = await member_row(db, "U0TOMO")
        assert (row.timezone, row.timezone_source) == ("Asia/Tokyo", PROFILE)

        await slack.command("tz", user="U0TOMO")
        shown = await slack.wait_for(lambda: slack.sent("chat.postEphemeral")[1:])
        assert "Your time zone is Asia/Tokyo (from your profile)" in text_of(shown[0])

        # The member's own choice wins over a later profile change…
        await slack.command("tz Europe/Paris", user="U0TOMO")
        await slack.wait_for(lambda: slack.sent("chat.postEphemeral")[2:])
        slack.add_user("U0TOMO", "tomo", tz="America/New_York")
        await slack.command("stats", user="U0TOMO")
        later = await slack.wait_for(lambda: slack.sent("chat.postEphemeral")[3:])
        assert "Days count in Europe/Paris." in text_of(later[0])
        # …until they go back to the profile's zone.
        await slack.command("tz profile", user="U0TOMO")
        back = await slack.wait_for(lambda: slack.sent("chat.postEphemeral")[4:])
        assert "Your time zone is America/New_York (from your profile)" in text_of(back[0])
        await app.idle()
    row = await member_row(db, "U0TOMO")
    assert (row.timezone, row.timezone_source) == ("America/New_York", PROFILE)
