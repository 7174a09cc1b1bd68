"""Discord without the Message Content intent: the setting, the 4014 fallback, Answer buttons."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import discord
import pytest

from adapters.discord.embeds import TYPED_ROUND
from adapters.discord.lifecycle import WITHOUT_MESSAGE_CONTENT
from bot.content import Library, Pack
from bot.content_schema import FreeText, MultipleChoice
from bot.services.challenge_rounds import REACTION
from tests.support.discord_harness import Running, running_bot
from tests.support.discord_payloads import buttons
from tests.support.fake_discord import FakeDiscord

MESSAGE_CONTENT = 1 << 15
Message = dict[str, Any]


def text_of(message: Message) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts.append(embed.get("description") or "")
        parts.extend(f"{f['name']}\n{f['value']}" for f in embed.get("fields", []))
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "Message Content" in r.getMessage()]


async def helps(app: Running, name: str = "alice") -> str:
    """The bot still answers a command: the connection works."""
    await app.send("INTERACTION_CREATE", app.fake.command(name, "help"))
    return text_of((await app.fake.until(lambda: app.fake.whispers(name)))[0])


async def test_auto_reconnects_without_the_intent_and_says_so_once(
    fake: FakeDiscord, sqlite_url: str, library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    fake.message_content_allowed = False  # the portal switch is off
    caplog.set_level(logging.WARNING, logger="adapters.discord")
    async with running_bot(fake, sqlite_url, library) as app:
        assert [bool(i & MESSAGE_CONTENT) for i in fake.identifies] == [True, False]
        assert not app.client.intents.message_content
        assert "/prep quiz" in await helps(app)
    (line,) = refusals(caplog)
    assert line == WITHOUT_MESSAGE_CONTENT and "\n" not in line
    assert "Answer button" in line and "discord.com/developers" in line
    assert "Privileged Gateway Intents > Message Content Intent" in line


async def test_auto_reconnects_without_the_intent_on_the_sharded_client(
    fake: FakeDiscord, sqlite_url: str, library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    # discord.py closes an AutoShardedClient on 4014; prepbot reopens it without the intent.
    fake.message_content_allowed = False
    caplog.set_level(logging.WARNING, logger="adapters.discord")
    async with running_bot(fake, sqlite_url, library, PREPBOT_DISCORD_SHARDED=True) as app:
        assert isinstance(app.client, discord.AutoShardedClient)
        assert [bool(i & MESSAGE_CONTENT) for i in fake.identifies] == [True, False]
        assert "/prep quiz" in await helps(app, "bob")
        # Buttons still work after the reopen: the dynamic items were registered again.
        await app.send("INTERACTION_CREATE", fake.command("dana", "prompt"))
        post = (await fake.until(lambda: [p for p in fake.posts() if buttons(p)]))[0]
        vote = next(b["custom_id"] for b in buttons(post) if b["label"] == "Vote")
        click = fake.click("carol", post, vote)
        await app.send("INTERACTION_CREATE", click)
        await fake.until(lambda: fake.interactions[click["id"]].callbacks)
    assert len(refusals(caplog)) == 1


async def test_on_refuses_to_run_without_the_intent(
    fake: FakeDiscord, sqlite_url: str, library: Library
) -> None:
    fake.message_content_allowed = False
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running_bot(fake, sqlite_url, library, PREPBOT_DISCORD_MESSAGE_CONTENT="on"):
            pass
    assert [bool(i & MESSAGE_CONTENT) for i in fake.identifies] == [True]  # no second try


async def test_off_never_asks_for_the_intent(fake: FakeDiscord, sqlite_url: str, library: Library) -> None:
    async with running_bot(fake, sqlite_url, library, PREPBOT_DISCORD_MESSAGE_CONTENT="off") as app:
        assert fake.identifies and not any(i & MESSAGE_CONTENT for i in fake.identifies)
        assert "/prep quiz" in await helps(app)


async def test_auto_keeps_the_intent_when_discord_grants_it(
    fake: FakeDiscord, sqlite_url: str, library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(fake, sqlite_url, library) as app:
        assert [bool(i & MESSAGE_CONTENT) for i in fake.identifies] == [True]
        assert app.client.intents.message_content
    assert refusals(caplog) == []


def typed_only(library: Library) -> Library:
    """The shipped pack with culture-values' multiple-choice items left out: its rounds need typing."""
    pack = library.default
    kept = [
        e for e in pack.entries if not (e.topic == "culture-values" and isinstance(e.item, MultipleChoice))
    ]
    assert any(e.topic == "culture-values" and isinstance(e.item, FreeText) for e in kept)
    copy = Pack(meta=pack.meta, root=pack.root, entries=kept)
    copy.index()
    return replace(library, packs={pack.id: copy})


async def test_a_typed_challenge_round_is_answered_through_its_answer_button(
    fake: FakeDiscord, sqlite_url: str, library: Library
) -> None:
    fake.message_content_allowed = False
    typed = typed_only(library)
    async with running_bot(fake, sqlite_url, typed) as app:
        await app.send(
            "INTERACTION_CREATE", fake.command("dana", "challenge", topic="culture-values", rounds=1)
        )
        question = (
            await fake.until(lambda: [p for p in fake.posts() if p["content"].startswith("Round 1/1")])
        )[0]
        assert text_of(question).count(TYPED_ROUND) == 1  # the core's wording the adapter keys on
        (answer,) = [b for b in buttons(question) if b["label"] == "Answer"]

        # Typed in the channel without the intent, the answer arrives empty: nothing happens.
        await app.send("MESSAGE_CREATE", fake.member_message("carol", fake.general, ""))

        click = fake.click("bob", question, answer["custom_id"])
        await app.send("INTERACTION_CREATE", click)
        (callback,) = await fake.until(lambda: fake.interactions[click["id"]].callbacks)
        assert callback["type"] == 9  # a modal
        item = next(i for i in typed.default.quiz_items(topic="culture-values") if isinstance(i, FreeText))
        submit = fake.submit("bob", question, callback["data"], item.accepted[0].upper())
        app.clock.advance(REACTION * 2)  # bob reads the question before answering
        await app.send("INTERACTION_CREATE", submit)
        await app.send("INTERACTION_CREATE", submit)  # re-delivered: one win, not two
        await fake.until(lambda: [p for p in fake.posts() if text_of(p).startswith("🏆")])
        await app.settle()
        wins = [p for p in fake.posts() if text_of(p).startswith("🏆")]
        assert len(wins) == 1 and "Bob got it" in text_of(wins[0])
        assert "Answer sent" in text_of(fake.whispers("bob")[0])


async def test_the_daily_prompt_carries_the_answer_button_without_the_intent(
    fake: FakeDiscord, sqlite_url: str, library: Library
) -> None:
    def labelled(post: Message, label: str) -> str:
        return next(b["custom_id"] for b in buttons(post) if b["label"] == label)

    async with running_bot(fake, sqlite_url, library) as app:  # the intent granted: a thread reply
        await app.send("INTERACTION_CREATE", fake.command("dana", "prompt"))
        post = (await fake.until(lambda: [p for p in fake.posts() if buttons(p)]))[0]
        await fake.until(lambda: post["id"] in fake.threads())
        reply = fake.member_message(
            "alice", post["id"], "Say so early and fix it, then tell the team what I changed and why."
        )
        await app.send("MESSAGE_CREATE", reply)
        await app.settle()

    fake.message_content_allowed = False  # restarted after the portal switch went off
    async with running_bot(fake, sqlite_url, library) as app:
        assert [b["label"] for b in buttons(post)] == ["Vote", "Answer"]
        # Without the intent an edit reads as empty: it must not wipe the recorded answer.
        await app.send("MESSAGE_UPDATE", fake.edited(reply, ""))
        click = fake.click("carol", post, labelled(post, "Answer"))
        await app.send("INTERACTION_CREATE", click)
        (callback,) = await fake.until(lambda: fake.interactions[click["id"]].callbacks)
        await app.send(
            "INTERACTION_CREATE",
            fake.submit(
                "carol",
                post,
                callback["data"],
                "Own the bug, fix it, and write down what I will check next time.",
            ),
        )
        await fake.until(lambda: fake.whispers("carol"))
        await app.send("INTERACTION_CREATE", fake.click("bob", post, labelled(post, "Vote")))
        ballot = text_of((await fake.until(lambda: fake.whispers("bob")))[0])
        assert (
            "Say so early and fix it, then tell the team what I changed and why." in ballot
            and "Own the bug, fix it, and write down what I will check next time." in ballot
        )


def test_the_docs_quote_the_line_and_name_the_setting() -> None:
    root = Path(__file__).resolve().parents[1]
    setup = (root / "deploy" / "discord-setup.md").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert WITHOUT_MESSAGE_CONTENT in setup  # the exact line an operator will see
    for text in (setup, readme):
        assert "PREPBOT_DISCORD_MESSAGE_CONTENT" in text and "exit code 2" in text
        assert "discord sync --clear --guild" in text and "**Answer**" in text
