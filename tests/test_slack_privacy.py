"""Privacy and bounds through the Slack listener: signed requests in, the fake Slack's record out.

Exports ask Slack who is in which channel (``users.conversations``); a keyed post is
recalled only from the bot's own messages; an answer that failed to store is stored
by Slack's retry of the event; floods of leaderboard requests and long replies stay
bounded in posts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from adapters.slack.app import SlackApp
from adapters.slack.port import METADATA_EVENT
from bot.domain import ChannelRef, SpaceRef
from bot.render import OutboundMessage
from bot.services.context import ServiceContext
from bot.store.models import AnswerPart
from tests.support.fake_slack import TEAM, FakeSlack, buttons, fixture, slack_app_on, text_of

MEMBERS = {"U0ADA": "ada", "U0BOB": "bob", "U0CARA": "cara", "U0DAN": "dan", "U0EVE": "eve"}
SECRET = "the payments rota is broken and nobody owns it"
ROLL_BACK = "Roll back first, then find out with the team what went wrong and why."


@pytest.fixture
async def wired(ctx: ServiceContext) -> AsyncIterator[tuple[FakeSlack, SlackApp]]:
    async with FakeSlack() as fake, slack_app_on(ctx, fake) as app:
        for user_id, name in MEMBERS.items():
            fake.add_user(user_id, name, admin=user_id == "U0ADA")
        fake.add_channel("C0GENERAL", "general")
        yield fake, app


async def run(slack: FakeSlack, app: SlackApp, command: str, user: str, channel: str = "C0GENERAL") -> None:
    await slack.command(command, user=user, channel=channel)
    await app.idle()


async def reply(slack: FakeSlack, app: SlackApp, user: str, words: str, root: str, channel: str) -> dict:
    event = fixture("message_thread_reply", user=user, text=words, thread_ts=root, ts=slack.new_ts(),
                    channel=channel)  # fmt: skip
    envelope, (status, _) = await slack.event(event)
    assert status == 200
    await app.idle()
    return envelope


def exported_text(slack: FakeSlack, user: str) -> str:
    dm = slack.dm_of(user)
    [upload] = [f for f in slack.files.values() if f.channel == dm][-1:]
    assert upload.content is not None
    return upload.content.decode()


async def test_an_export_holds_top_answers_only_from_channels_slack_says_the_member_is_in(
    wired: tuple[FakeSlack, SlackApp],
) -> None:
    slack, app = wired
    slack.add_channel("C0SECRET", "secret", private=True).members = {"U0ADA", "U0BOB", "U0CARA", "U0DAN"}
    for n in range(4):  # more channels than one users.conversations page holds
        slack.add_channel(f"C0OTHER{n}", f"other{n}")
    await run(slack, app, "prompt", "U0ADA", "C0SECRET")
    [post] = [c for c in slack.sent("chat.postMessage") if c["channel"] == "C0SECRET"]
    await reply(slack, app, "U0BOB", f"{SECRET}; I would name an owner first.", post.ts, "C0SECRET")
    await reply(
        slack,
        app,
        "U0CARA",
        "I would ask around the team before deciding anything about who owns it.",
        post.ts,
        "C0SECRET",
    )
    vote = buttons(post)[0]
    for voter in ("U0ADA", "U0DAN"):  # two members' votes crown bob's answer
        await slack.click(slack.click_payload(post, vote, user=voter))
        await app.idle()
        ballot = slack.sent("chat.postEphemeral", user=voter)[-1]
        await slack.click(slack.click_payload(ballot, buttons(ballot)[0], user=voter, ephemeral=True))
        await app.idle()
    await run(slack, app, "reveal", "U0ADA", "C0SECRET")

    await run(slack, app, "export", "U0EVE")  # never in #secret, exporting from #general
    assert SECRET not in exported_text(slack, "U0EVE")
    await run(slack, app, "export", "U0DAN")  # in #secret, though he never answered there
    assert SECRET in exported_text(slack, "U0DAN") and "— bob (2 votes)" in exported_text(slack, "U0DAN")
    asked = slack.sent("users.conversations")
    assert {c["user"] for c in asked} == {"U0EVE", "U0DAN"}


async def test_a_keyed_post_is_recalled_only_from_the_bots_own_messages(
    wired: tuple[FakeSlack, SlackApp],
) -> None:
    slack, app = wired
    key = "prompt:42:2026-03-09"
    metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
    slack.channel("C0GENERAL").foreign.append(
        {
            "type": "message",
            "ts": "1700000000.000100",
            "user": "U0EVE",
            "text": "gotcha",
            "metadata": metadata,
        }
    )
    channel = ChannelRef(SpaceRef("slack", TEAM), "C0GENERAL")
    assert await app.port.find_posted(channel, key) is None  # a member's app copied the key
    slack.channel("C0GENERAL").foreign.append(
        {"type": "message", "ts": "1700000000.000200", "bot_id": "B0OTHER", "text": "x", "metadata": metadata}
    )
    assert await app.port.find_posted(channel, key) is None  # another app's bot
    await app.port.post(channel, OutboundMessage(text="Today's scenario", key=key))
    found = await app.port.find_posted(channel, key)
    assert found is not None and found.id == slack.sent("chat.postMessage")[-1].ts


async def test_an_answer_that_failed_to_store_is_stored_by_slacks_retry(
    wired: tuple[FakeSlack, SlackApp], ctx: ServiceContext
) -> None:
    slack, app = wired
    await run(slack, app, "prompt", "U0ADA")
    [post] = slack.sent("chat.postMessage")
    async with ctx.db.unit() as s:  # a real fault: the database refuses answer parts for now
        if ctx.db.url.get_backend_name() == "sqlite":
            await s.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON answerpart "
                                 "BEGIN SELECT RAISE(ABORT, 'disk full'); END"))  # fmt: skip
        else:
            await s.execute(text("CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                                 "RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql"))  # fmt: skip
            await s.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON answerpart "
                                 "FOR EACH ROW EXECUTE FUNCTION refuse()"))  # fmt: skip
    envelope = await reply(slack, app, "U0BOB", ROLL_BACK, post.ts, "C0GENERAL")
    async with ctx.db.unit() as s:
        assert (await s.execute(select(func.count()).select_from(AnswerPart))).scalar_one() == 0
        sqlite = ctx.db.url.get_backend_name() == "sqlite"
        await s.execute(text("DROP TRIGGER refuse" + ("" if sqlite else " ON answerpart")))
    assert (await slack.resend_event(envelope, retry=1))[0] == 200  # Slack retries: not "already handled"
    await app.idle()
    async with ctx.db.unit() as s:
        assert (await s.execute(select(AnswerPart.text))).scalars().all() == [ROLL_BACK]  # type: ignore[call-overload]


async def test_a_hundred_leaderboard_requests_post_once(wired: tuple[FakeSlack, SlackApp]) -> None:
    slack, app = wired
    for _ in range(100):
        await slack.command("leaderboard", user="U0EVE")
    await app.idle()
    boards = [c for c in slack.sent("chat.postMessage") if "Leaderboard" in text_of(c)]
    assert len(boards) == 1
    private = [r for r in slack.responses if "Leaderboard" in str(r)]
    private += [c for c in slack.sent("chat.postEphemeral") if "Leaderboard" in text_of(c)]
    assert len(private) == 99


async def test_a_hundred_long_replies_from_one_member_make_one_digest_message(
    wired: tuple[FakeSlack, SlackApp],
) -> None:
    slack, app = wired
    await run(slack, app, "prompt", "U0ADA")
    [post] = slack.sent("chat.postMessage")
    for n in range(100):
        await reply(slack, app, "U0BOB", f"{n:03d} " + "long answer " * 250, post.ts, "C0GENERAL")
    told = [c for c in slack.sent("chat.postEphemeral", user="U0BOB") if "characters" in text_of(c)]
    assert len(told) == 1
    before = len(slack.sent("chat.postMessage"))
    await run(slack, app, "reveal", "U0ADA")
    digest = slack.sent("chat.postMessage")[before:]
    assert len(digest) == 1 and digest[0]["thread_ts"] == post.ts
