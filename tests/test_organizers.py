"""Organizers: admins name who may run a channel's prep; refusals name the platform's rule."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from adapters.console.session import ConsoleSession
from adapters.slack.app import SlackApp
from adapters.slack.translate import split_command
from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.services.context import ServiceContext
from bot.services.permissions import can_organize
from bot.services.prompts import BALLOT_ACTION
from bot.store.models import Member, Organizer
from tests.support.fake_slack import FakeSlack, buttons, slack_app_on, text_of


def prompt_posts(session: ConsoleSession) -> list[str]:
    """The culture prompts posted (the messages with a Vote button)."""
    return [
        s.text
        for s in session.chat.log
        if s.author == "prepbot" and any(b.action == BALLOT_ACTION for b in s.message.buttons)
    ]


async def test_admins_add_list_and_remove_organizers(session: ConsoleSession, ctx: ServiceContext) -> None:
    session.admins.add("alice")
    session.use_channel("team-prep")
    empty = await session.push("alice: /prep organizers list")
    assert "#team-prep has no organizers yet" in empty[0].text and empty[0].visible_to == "alice"

    added = await session.push("alice: /prep organizers add @bob")
    assert added[0].visible_to == "alice"
    assert "bob is now an organizer of #team-prep" in added[0].text
    again = await session.push("alice: /prep organizers add @bob")
    assert "bob was already an organizer" in again[0].text
    await session.push("alice: /prep organizers add @carol")
    listed = await session.push("alice: /prep organizers list")
    # Plain names, never mentions: listing notifies nobody.
    assert "Organizers of #team-prep: bob, carol." in listed[0].text and "<@" not in listed[0].text

    async with ctx.db.unit() as s:
        rows = (
            await s.execute(select(Organizer, Member).join(Member, Member.id == Organizer.member_id))
        ).all()
        admin = (await s.execute(select(Member).where(Member.external_id == "alice"))).scalars().one()
    assert sorted(m.external_id for _, m in rows) == ["bob", "carol"]
    assert all(o.added_by == admin.id and o.created_at is not None for o, _ in rows)

    removed = await session.push("alice: /prep organizers remove @bob")
    assert "bob is no longer an organizer of #team-prep" in removed[0].text
    assert "nothing changed" in (await session.push("alice: /prep organizers remove @bob"))[0].text
    listed = await session.push("alice: /prep organizers list")
    assert "Organizers of #team-prep: carol." in listed[0].text


async def test_only_admins_name_organizers_and_bad_arguments_get_the_usage(session: ConsoleSession) -> None:
    refused = await session.push("bob: /prep organizers add @bob")
    assert refused[0].visible_to == "bob" and "`/prep organizers` is for admins" in refused[0].text
    session.admins.add("alice")
    no_at = await session.push("alice: /prep organizers add bob")
    assert "Name one member with @" in no_at[0].text and "/prep organizers list" in no_at[0].text
    unknown = await session.push("alice: /prep organizers promote @bob")
    assert "I don't know `organizers promote`" in unknown[0].text


async def test_an_organizer_schedules_prompts_and_reveals_in_their_channel_only(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    session.admins.add("alice")
    session.use_channel("team-prep")
    refused = await session.push("bob: /prep schedule 09:30 Europe/London mon-fri")
    assert refused[0].visible_to == "bob"
    assert "`/prep schedule` is for admins or organizers" in refused[0].text
    assert "ask an admin to run `/prep organizers add @bob`" in refused[0].text

    await session.push("alice: /prep organizers add @bob")
    scheduled = await session.push("bob: /prep schedule 09:30 Europe/London mon-fri")
    assert "Daily culture prompt set: 09:30 Europe/London, mon-fri" in scheduled[0].text
    await session.push("bob: /prep prompt")
    assert len(prompt_posts(session)) == 1
    await session.push("carol: reply I would ask the team first, then decide together what to roll back.")
    revealed = await session.push("bob: /prep reveal")
    assert any("Voting is closed" in s.text for s in revealed)

    # carol is no organizer, and bob is none in another channel.
    for line in ("carol: /prep prompt", "carol: /prep reveal"):
        assert "is for admins or organizers" in (await session.push(line))[0].text
    session.use_channel("elsewhere")
    assert "is for admins or organizers" in (await session.push("bob: /prep prompt"))[0].text
    space = SpaceRef("console", "console", "console")
    bob = MemberRef(space, "bob")
    assert await can_organize(ctx, bob, ChannelRef(space, "team-prep"))
    assert not await can_organize(ctx, bob, ChannelRef(space, "elsewhere"))
    assert await can_organize(ctx, MemberRef(space, "zed", is_admin=True), ChannelRef(space, "elsewhere"))
    # Another space with the same ids shares nothing.
    other = SpaceRef("slack", "console")
    assert not await can_organize(ctx, MemberRef(other, "bob"), ChannelRef(other, "team-prep"))


def test_slack_mentions_in_command_text_become_member_tokens() -> None:
    assert split_command("organizers add <@U0BOB|bob>") == ("organizers", ("add", "<@U0BOB>"))
    assert split_command("organizers remove <@U0BOB>") == ("organizers", ("remove", "<@U0BOB>"))
    assert split_command("organizers add <@W0GRID|ann lee>") == ("organizers", ("add", "<@W0GRID>"))


@pytest.fixture
async def wired(ctx: ServiceContext) -> AsyncIterator[tuple[FakeSlack, SlackApp]]:
    async with FakeSlack() as fake, slack_app_on(ctx, fake) as app:
        fake.add_user("U0ADMIN", "ada", admin=True)
        fake.add_user("U0BOB", "bob")
        fake.add_user("U0CAROL", "carol")
        yield fake, app


async def test_on_slack_an_admin_names_an_organizer_who_may_then_post_prompts(
    wired: tuple[FakeSlack, SlackApp],
) -> None:
    slack, app = wired
    await slack.command("prompt", user="U0CAROL")
    [refusal] = await slack.wait_for(lambda: slack.sent("chat.postEphemeral", user="U0CAROL"))
    assert "workspace admins and owners, or an organizer of this channel" in refusal["text"]
    assert "/prep organizers add @carol" in refusal["text"]

    # Slack escapes the mention (should_escape: true) as <@U0BOB|bob>.
    await slack.command("organizers add <@U0BOB|bob>", user="U0ADMIN")
    [added] = await slack.wait_for(lambda: slack.sent("chat.postEphemeral", user="U0ADMIN"))
    assert "bob is now an organizer of #general" in text_of(added)
    # The name came from users.info for the named member, before bob ever used prepbot.
    assert slack.sent("users.info", user="U0BOB")
    await slack.command("organizers list", user="U0ADMIN")
    listed = await slack.wait_for(lambda: slack.sent("chat.postEphemeral", user="U0ADMIN")[1:])
    assert "Organizers of #general: bob." in text_of(listed[0]) and "<@" not in text_of(listed[0])

    await slack.command("prompt", user="U0BOB")
    [post] = await slack.wait_for(lambda: slack.sent("chat.postMessage"))
    assert post["channel"] == "C0GENERAL" and [b["text"]["text"] for b in buttons(post)] == ["Vote"]
    await app.idle()
