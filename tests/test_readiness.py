"""The weekly team readiness report and the stats forecast: console, Slack and Discord.

Real databases; the Slack port talks to the fake Slack's files_upload_v2 flow,
the Discord port to the fake Discord over the gateway.
"""

from __future__ import annotations

import datetime as dt
import struct
from pathlib import Path

from adapters.console.session import ConsoleSession
from adapters.discord.port import DiscordPort
from adapters.slack.port import SlackPort, make_client
from bot import memory
from bot.clock import ManualClock
from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.features import build_bot
from bot.services.context import ServiceContext
from bot.store import quizzes
from bot.store.tenants import ensure_channel, ensure_member
from tests.support.discord_harness import Running
from tests.support.fake_slack import FakeSlack
from tests.support.quizplay import button_number, question
from tests.support.slack_wire import TEAM

FRIDAY = dt.datetime(2026, 1, 9, 16, 0, 30, tzinfo=dt.UTC)  # the console clock starts Monday 5 January


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a valid PNG (signature, then an IHDR chunk first); fails otherwise."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert data.endswith(b"IEND\xaeB`\x82")
    return width, height


async def miss(session: ConsoleSession, who: str, topic: str) -> None:
    shown = question(await session.push(f"{who}: /prep quiz {topic}"))
    await session.push(f"{who}: press {button_number(session, shown, correct=False)}")


def reports(session: ConsoleSession) -> list:
    return [s for s in session.chat.log if s.attachment is not None and s.ref.channel.id == "general"]


async def test_the_weekly_report_goes_out_once_per_channel_week_across_restarts(
    ctx: ServiceContext, clock: ManualClock, tmp_path: Path
) -> None:
    session = ConsoleSession(build_bot(ctx), clock, files_dir=tmp_path)
    session.admins.add("alice")
    await session.push("alice: /prep schedule 09:00 UTC")
    for who in ("alice", "bob", "carol"):
        await miss(session, who, "culture-values")
    await miss(session, "alice", "motivation")
    await miss(session, "bob", "motivation")
    clock.set(FRIDAY)
    await session.bot.tick(session.chat)
    await session.bot.tick(session.chat)
    [report] = reports(session)
    assert report.visible_to is None  # a channel post for everyone
    name, data = report.attachment or ("", b"")
    assert Path(name).parent == tmp_path and Path(name).read_bytes() == data  # a PNG path in the console
    width, height = png_size(data)
    assert width > 100 and height > 100
    text = report.text
    assert "Weekly team readiness (2026-W02): 3 of 3 members practised" in text
    assert "`culture-values` (" in text and "predicted recall" in text and "across 3 members" in text
    assert "`motivation` (" in text and "not enough data" in text  # two members: nobody singled out
    assert "alice" not in text and "bob" not in text
    # A restart: a new process on the same database ticks again within the catch-up window.
    again = ConsoleSession(build_bot(ctx), clock, files_dir=tmp_path)
    clock.set(FRIDAY + dt.timedelta(minutes=30))
    await again.bot.tick(again.chat)
    assert reports(again) == []
    # The next week has its own report.
    clock.set(FRIDAY + dt.timedelta(days=7))
    await again.bot.tick(again.chat)
    assert len(reports(again)) == 1 and "2026-W03" in reports(again)[0].text


async def test_no_report_before_the_day_or_without_a_schedule(
    session: ConsoleSession, clock: ManualClock
) -> None:
    await miss(session, "alice", "culture-values")
    clock.set(FRIDAY)
    await session.bot.tick(session.chat)
    assert reports(session) == []  # no daily prompt schedule in the channel
    session.admins.add("alice")
    await session.push("alice: /prep schedule 09:00 UTC")
    clock.set(FRIDAY - dt.timedelta(hours=1))
    await session.bot.tick(session.chat)
    assert reports(session) == []


async def test_stats_show_predicted_recall_today_and_on_the_interview_day(
    session: ConsoleSession, clock: ManualClock
) -> None:
    empty = await session.push("alice: /prep stats")
    assert "No items in review yet" in empty[0].text
    await miss(session, "alice", "culture-values")
    clock.set(clock.now() + dt.timedelta(minutes=15))
    shown = question(await session.push("alice: /prep review"))
    await session.push(f"alice: press {button_number(session, shown, correct=True)}")
    plain = (await session.push("alice: /prep stats"))[0].text
    assert "`culture-values`: predicted recall today" in plain and "on 2026" not in plain
    await session.push("alice: /prep interview 2026-02-20 Netflix")
    dated = (await session.push("alice: /prep stats"))[0].text
    assert "predicted recall on 2026-02-20" in dated and "item(s) at risk" in dated


async def test_the_plan_names_the_items_at_risk_in_the_last_week(
    session: ConsoleSession, clock: ManualClock
) -> None:
    await session.push("alice: /prep interview 2026-01-12")
    await miss(session, "alice", "culture-values")
    clock.set(clock.now() + dt.timedelta(minutes=15))
    shown = question(await session.push("alice: /prep review"))
    await session.push(f"alice: press {button_number(session, shown, correct=True)}")
    # Far from the date a weak item waits; it comes back in the final days, named as at risk.
    clock.set(dt.datetime(2026, 1, 10, 9, 0, 30, tzinfo=dt.UTC))
    await session.bot.tick(session.chat)
    [plan] = [s for s in session.chat.log if s.ref.channel.id == "dm-alice" and "to your" in s.text]
    assert "at risk for your interview" in plan.text and "predicted recall on 2026-01-12" in plan.text


# --- adapters ---------------------------------------------------------------------------
async def seed_team(ctx: ServiceContext, channel: ChannelRef, members: list[str]) -> None:
    """A scheduled channel and members with one card each in culture-values."""
    now = ctx.clock.now()
    item = ctx.library.default.quiz_items(topic="culture-values")[0].id
    async with ctx.db.unit() as s:
        stored = await ensure_channel(s, ref=channel)
        stored.post_time = "09:00"
        s.add(stored)
        for n, external in enumerate(members):
            member = await ensure_member(s, ref=MemberRef(channel.space, external))
            assert member.id is not None
            await quizzes.record_attempt(
                s,
                space_id=member.space_id,
                member_id=member.id,
                item_id=item,
                topic="culture-values",
                mode="practice",
                token=f"t{n}",
                correct=False,
                at=now,
            )
            state = memory.grade(None, False, now)
            await quizzes.save_card(
                s, space_id=member.space_id, member_id=member.id, item_id=item, memory=state, at=now
            )


async def test_slack_uploads_the_chart_into_the_channel(ctx: ServiceContext, clock: ManualClock) -> None:
    channel = ChannelRef(SpaceRef("slack", TEAM), "C0PREP", "prep")
    await seed_team(ctx, channel, ["U1", "U2", "U3"])
    clock.set(FRIDAY)
    bot = build_bot(ctx)
    async with FakeSlack() as slack:
        slack.add_channel("C0PREP", "prep", member=True)
        port = SlackPort(make_client("xoxb-test", slack.api_url))
        await bot.tick(port)
        await bot.tick(port)
        [upload] = [f for f in slack.files.values() if f.channel == "C0PREP"]
    assert upload.filename == "readiness-2026-W02.png" and upload.content is not None
    png_size(upload.content)
    assert "predicted recall" in upload.initial_comment and "across 3 members" in upload.initial_comment


async def test_discord_attaches_the_chart_to_the_channel_post(app: Running) -> None:
    fake = app.fake
    channel = ChannelRef(SpaceRef("discord", fake.guild_id), fake.general, "general")
    await seed_team(app.bot.ctx, channel, [fake.people[n].id for n in ("alice", "bob", "carol")])
    app.clock.set(dt.datetime(2026, 1, 9, 16, 0, 30, tzinfo=dt.UTC))
    await app.bot.tick(DiscordPort(app.client))
    await app.bot.tick(DiscordPort(app.client))
    posted = [m for m in fake.posts(fake.general) if m["id"] in fake.attachments]
    assert len(posted) == 1
    [(name, data)] = fake.attachments[posted[0]["id"]]
    assert name.startswith("readiness-") and name.endswith(".png")
    png_size(data)
    assert "Weekly team readiness" in posted[0]["content"]
