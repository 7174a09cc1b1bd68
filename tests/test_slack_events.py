"""What the core receives from Slack: events, clicks and members, exactly as translated.

A bare Prepbot with recording handlers stands in for the features, so each
Slack payload's translation is seen directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import pytest

from adapters.slack.app import SlackApp
from bot.buttons import ButtonCodec
from bot.domain import ChannelRef, MemberRef, MessageRef, SpaceRef
from bot.events import ButtonPressed, Event, MessageDeleted, MessageEdited, MessagePosted
from bot.feature import Feature, button
from bot.ports import ChatPort
from bot.router import Prepbot
from bot.services.context import ServiceContext
from bot.turn import Turn
from tests.support.fake_slack import BOT_ID, BOT_USER, TEAM, FakeSlack, fixture, slack_app_on

SPACE = SpaceRef("slack", TEAM)
GENERAL = ChannelRef(SPACE, "C0GENERAL")
ROOT = "1700000001.000001"


@dataclass(frozen=True)
class Echo(ButtonCodec):
    """A test button that carries any text as it is."""

    ACTION: ClassVar[str] = "test.echo"
    text: str

    def encode(self) -> str:
        return self.text

    @classmethod
    def decode(cls, value: str) -> Self:
        return cls(value)


@dataclass(frozen=True)
class Pick(Echo):
    ACTION: ClassVar[str] = "test.pick"


class Recorder:
    def __init__(self, ctx: ServiceContext) -> None:
        self.seen: list[Any] = []
        feature = Feature(
            "recorder",
            commands={"stats": self.command},
            buttons=(button(Echo, self.button), button(Pick, self.button)),
            messages=(self.message,),
        )
        self.bot = Prepbot(ctx, [feature])

    # Each handler records inside a unit of work, as a real feature writes its effect:
    # that unit also records the delivery's claim, so a re-delivery never reaches it.
    async def message(self, ctx: ServiceContext, port: ChatPort, event: Event) -> bool:
        async with ctx.db.unit():
            self.seen.append(event)
        return True

    async def button(self, turn: Turn, value: Echo, message: MessageRef | None) -> None:
        async with turn.ctx.db.unit():
            self.seen.append((turn.member, value.text, message))

    async def command(self, turn: Turn, args: tuple[str, ...]) -> None:
        async with turn.ctx.db.unit():
            self.seen.append((turn.member, args))


@pytest.fixture
async def wired(ctx: ServiceContext) -> AsyncIterator[tuple[FakeSlack, SlackApp, Recorder]]:
    recorder = Recorder(ctx)
    async with FakeSlack() as fake, slack_app_on(ctx, fake, bot=recorder.bot) as app:
        fake.add_user("U0BOB", "bob")
        fake.add_user("U0ADMIN", "ada", admin=True)
        yield fake, app, recorder


async def _send(slack: FakeSlack, app: SlackApp, event: dict[str, Any], **kw: Any) -> dict[str, Any]:
    envelope, (status, _) = await slack.event(event, **kw)
    assert status == 200
    await app.idle()
    return envelope


async def test_thread_replies_top_level_messages_edits_and_deletions(
    wired: tuple[FakeSlack, SlackApp, Recorder],
) -> None:
    slack, app, recorder = wired
    bob = MemberRef(SPACE, "U0BOB", "bob", timezone="America/Los_Angeles")  # users.info tz
    names = ("message_thread_reply", "message", "message_changed", "message_deleted")
    # Each carries its envelope's event_id: the delivery the core claims once.
    ids = [(await _send(slack, app, fixture(name)))["event_id"] for name in names]
    reply = MessageRef(GENERAL, "1700000011.000200", ROOT)
    assert recorder.seen == [
        MessagePosted(reply, bob, "I would roll back first and then find the cause.", ids[0]),
        MessagePosted(
            MessageRef(GENERAL, "1700000010.000100"),
            bob,
            "I would roll back first and then find the cause.",
            ids[1],
        ),
        MessageEdited(reply, bob, "I would roll back first, tell the team, then find the cause.", ids[2]),
        MessageDeleted(reply, delivery_id=ids[3]),
    ]


async def test_bots_the_bot_itself_and_system_messages_are_ignored(
    wired: tuple[FakeSlack, SlackApp, Recorder],
) -> None:
    slack, app, recorder = wired
    await _send(slack, app, fixture("bot_message"))
    await _send(slack, app, fixture("message", user=BOT_USER, bot_id=BOT_ID))
    await _send(slack, app, fixture("message", user=BOT_USER))
    await _send(slack, app, fixture("message", subtype="channel_join", text="<@U0BOB> has joined"))
    unfurl = fixture("message_changed")
    unfurl["message"] = {**unfurl["message"], "text": unfurl["previous_message"]["text"]}
    await _send(slack, app, unfurl)
    assert recorder.seen == []


async def test_a_retried_event_is_handled_once(wired: tuple[FakeSlack, SlackApp, Recorder]) -> None:
    slack, app, recorder = wired
    envelope = await _send(slack, app, fixture("message_thread_reply"))
    for retry in (1, 2, 3):
        assert (await slack.resend_event(envelope, retry=retry))[0] == 200
    await app.idle()
    assert len(recorder.seen) == 1


async def test_a_retry_seen_by_another_process_is_dropped_by_the_database(
    wired: tuple[FakeSlack, SlackApp, Recorder],
) -> None:
    slack, app, recorder = wired
    envelope = await _send(slack, app, fixture("message_thread_reply"))
    # The app keeps no memory of deliveries: a retry reaching another replica meets the same claim.
    await slack.resend_event(envelope, retry=1)
    await app.idle()
    assert len(recorder.seen) == 1


async def test_clicks_become_button_presses_and_retries_change_nothing(
    wired: tuple[FakeSlack, SlackApp, Recorder],
) -> None:
    slack, app, recorder = wired
    message = {"channel": "C0GENERAL", "ts": ROOT, "text": "x", "blocks": []}
    button = {
        "type": "button",
        "action_id": "test.echo#2",
        "value": "42",
        "text": {"type": "plain_text", "text": "Go"},
    }
    payload = slack.click_payload(message, button, user="U0BOB")
    assert (await slack.click(payload))[0] == 200
    await slack.click(payload, retry=1)
    await app.idle()
    [(member, value, ref)] = recorder.seen
    assert (member.id, member.display_name, member.space.id, value) == ("U0BOB", "bob", TEAM, "42")
    assert ref is not None and (ref.channel.id, ref.id, ref.thread_id) == ("C0GENERAL", ROOT, None)

    select = {
        "type": "static_select",
        "action_id": "test.pick#0",
        "selected_option": {"text": {"type": "plain_text", "text": "Culture"}, "value": "culture-values"},
    }
    await slack.click(slack.click_payload(message, select, user="U0BOB"))
    await app.idle()
    assert recorder.seen[-1][1] == "culture-values"


async def test_members_carry_slack_admin_status(wired: tuple[FakeSlack, SlackApp, Recorder]) -> None:
    slack, app, recorder = wired
    await slack.command("stats week", user="U0ADMIN")
    await slack.command("stats", user="U0BOB")
    await slack.command("stats", user="U0NOBODY")  # users.info fails: not an admin
    await app.idle()
    members = {member.id: (member.is_admin, args) for member, args in recorder.seen}
    assert members == {"U0ADMIN": (True, ("week",)), "U0BOB": (False, ()), "U0NOBODY": (False, ())}


async def test_button_presses_reach_the_core_as_plain_events(
    wired: tuple[FakeSlack, SlackApp, Recorder],
) -> None:
    slack, app, recorder = wired
    seen: list[ButtonPressed] = []
    original = recorder.bot.handle

    async def spy(event: Event, port: ChatPort) -> None:
        if isinstance(event, ButtonPressed):
            seen.append(event)
        await original(event, port)

    recorder.bot.handle = spy  # type: ignore[method-assign]
    message = {"channel": "C0GENERAL", "ts": ROOT, "text": "x", "blocks": []}
    button = {
        "type": "button",
        "action_id": "test.echo#0",
        "value": "v",
        "text": {"type": "plain_text", "text": "Go"},
    }
    payload = slack.click_payload(message, button, user="U0BOB")
    await slack.click(payload)
    await app.idle()
    [event] = seen
    assert event.delivery_id == f"{payload['actions'][0]['action_ts']}:{payload['trigger_id']}"
    assert event.action == "test.echo" and event.channel.id == "C0GENERAL"
