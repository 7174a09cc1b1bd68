"""Discord payloads → core events, straight from the JSON fixtures (no client, no network)."""

from __future__ import annotations

from typing import Any

from adapters.discord import translate
from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.events import ButtonPressed, MessageDeleted, MessageEdited, MessagePosted
from tests.support.discord_payloads import Person, fixture

GUILD, CHANNEL, THREAD, ROLE = "1100", "1200", "1300", "1400"
ALICE = Person("1500", "alice")
SPACE = translate.space(GUILD, "Prep")
GENERAL = ChannelRef(SPACE, CHANNEL, "general")
MEMBER = MemberRef(SPACE, ALICE.id, "Alice")


def _message(name: str, **values: Any) -> dict[str, Any]:
    defaults = {
        "message_id": "1600",
        "channel_id": THREAD,
        "guild_id": GUILD,
        "user": ALICE.user(),
        "partial_member": ALICE.partial_member(ROLE),
        "content": "I would roll back first.",
        "timestamp": "2026-01-06T10:00:00+00:00",
        "edited_timestamp": "2026-01-06T10:01:00+00:00",
        "nonce": "1",
    }
    return fixture(name, **(defaults | values))


def _interaction(name: str, **values: Any) -> dict[str, Any]:
    defaults = {
        "interaction_id": "1700",
        "application_id": "1800",
        "token": "t",
        "guild_id": GUILD,
        "channel_id": CHANNEL,
        "channel": {"id": CHANNEL, "type": 0, "guild_id": GUILD, "name": "general"},
        "member": ALICE.member(ROLE),
        "message": {"id": "1900", "channel_id": CHANNEL, "content": "", "components": []},
    }
    return fixture(name, **(defaults | values))


def test_a_members_message_in_a_thread_is_posted_with_its_own_id() -> None:
    event = translate.message_posted(_message("message_create"), GENERAL, MEMBER, THREAD)
    assert event == MessagePosted(MessageRef(GENERAL, "1600", THREAD), MEMBER, "I would roll back first.")


def test_bots_webhooks_system_and_empty_messages_are_not_members_messages() -> None:
    bot = Person("1501", "prepbot", bot=True)
    for message in (
        _message("message_create", user=bot.user()),
        _message("message_create") | {"webhook_id": "42"},
        _message("message_create") | {"type": 7},  # a member joined
        _message("message_create", content="   "),  # no Message Content intent
        _message("message_create", guild_id=None),  # a direct message
    ):
        assert translate.message_posted(message, GENERAL, MEMBER, THREAD) is None
    reply = _message("message_create") | {"type": 19}
    assert translate.message_posted(reply, GENERAL, MEMBER) is not None


def test_an_edit_that_changes_the_text_is_an_edit_and_an_empty_one_without_the_intent_is_not() -> None:
    update = _message("message_update", content="Roll back, then tell the team.")
    assert translate.message_edited(update, GENERAL, MEMBER, THREAD) == MessageEdited(
        MessageRef(GENERAL, "1600", THREAD), MEMBER, "Roll back, then tell the team."
    )
    empty = _message("message_update", content="")
    assert translate.message_edited(empty, GENERAL, MEMBER, THREAD, message_content=False) is None
    assert translate.message_edited(empty, GENERAL, MEMBER, THREAD, message_content=True) is not None
    unfurl = {k: v for k, v in update.items() if k != "content"}  # an embed appeared: no text change
    assert translate.message_edited(unfurl, GENERAL, MEMBER, THREAD) is None


def test_single_and_bulk_deletions() -> None:
    one = fixture("message_delete", message_id="1600", channel_id=THREAD, guild_id=GUILD)
    assert translate.messages_deleted(one, GENERAL, THREAD) == [
        MessageDeleted(MessageRef(GENERAL, "1600", THREAD))
    ]
    bulk = {"ids": ["1602", "1601", "999"], "channel_id": CHANNEL, "guild_id": GUILD}
    assert [e.message.id for e in translate.messages_deleted(bulk, GENERAL)] == ["999", "1601", "1602"]
    assert translate.messages_deleted(one | {"guild_id": None}, GENERAL) == []


def test_a_button_click_and_a_select_pick_become_button_presses() -> None:
    click = _interaction("interaction_component", custom_id="prep:vote.open:12", component_type=2, values=[])
    assert translate.button_pressed(click, GENERAL, MEMBER) == ButtonPressed(
        "1700", GENERAL, MEMBER, "vote.open", "12", MessageRef(GENERAL, "1900")
    )
    pick = _interaction(
        "interaction_component", custom_id="prepsel:quiz.topic:", component_type=3, values=["culture"]
    )
    pressed = translate.button_pressed(pick, GENERAL, MEMBER, THREAD)
    assert pressed is not None and (pressed.action, pressed.value) == ("quiz.topic", "culture")
    assert pressed.message == MessageRef(GENERAL, "1900", THREAD)
    foreign = _interaction("interaction_component", custom_id="other:bot", component_type=2, values=[])
    assert translate.button_pressed(foreign, GENERAL, MEMBER) is None


def test_modal_submits_name_what_they_answer() -> None:
    def submit(custom_id: str, field_id: str, value: str) -> dict[str, Any]:
        payload = _interaction(
            "interaction_modal_submit", custom_id=custom_id, field_id=field_id, value=value
        )
        data: dict[str, Any] = payload["data"]
        return data

    answer = translate.modal_submit(submit("prepanswer:1300", "answer", "  Roll back.  "))
    assert answer == translate.ModalSubmit("answer", "Roll back.", thread=THREAD)
    typed = translate.modal_submit(submit("preptyped", "answer", "42"))
    assert typed == translate.ModalSubmit("typed", "42")
    form = translate.modal_submit(submit("prepform:report.item:q-7", "text", "the date is wrong"))
    assert form == translate.ModalSubmit("form", "the date is wrong", action="report.item", value="q-7")
    assert translate.modal_submit(submit("someone-else", "answer", "x")) is None
    assert translate.modal_submit(submit("preptyped", "other-field", "x")) == translate.ModalSubmit(
        "typed", ""
    )


def test_names_come_from_the_nickname_then_the_global_name_then_the_username() -> None:
    user = ALICE.user()
    assert translate.display_name(user, {"nick": "Ali"}) == "Ali"
    assert translate.display_name(user, {"nick": None}) == "Alice"
    assert translate.display_name(user | {"global_name": None}) == "alice"
