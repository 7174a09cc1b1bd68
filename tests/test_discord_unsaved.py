"""A thread answer Discord delivered while the database was locked: its author is told in the thread.

Discord's gateway never sends a MESSAGE_CREATE again, so the bot replies to the
member's message (a reply that points at it, quoting nothing, pinging nobody).
The database is really locked by another connection (``tests.support.locks``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.content import Library
from bot.router import DATABASE_DOWN
from bot.store.models import AnswerPart
from bot.unsaved import EDIT_NOT_SAVED, NOT_SAVED
from tests.support.discord_harness import Running, running_bot
from tests.support.discord_payloads import buttons, thread_channel
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_discord_access import CREATE_PUBLIC_THREADS
from tests.support.locks import Holder, lockable

ANSWER = "Roll back first, then find the cause together with the owners of the service."


@pytest.fixture(params=["sqlite", "postgresql"])
async def locked(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake: FakeDiscord,
    library: Library,
) -> AsyncIterator[tuple[Running, Holder]]:
    async with (
        lockable(request, tmp_path, monkeypatch) as (url, holder),
        running_bot(fake, url, library) as app,
    ):
        yield app, holder


async def _parts(app: Running) -> list[str]:
    async with app.bot.ctx.db.unit() as session:
        return [p.text for p in (await session.execute(select(AnswerPart))).scalars().all()]


async def _post_prompt(app: Running) -> str:
    fake = app.fake
    await app.send("INTERACTION_CREATE", fake.command("dana", "prompt"))
    posts = await fake.until(lambda: [p for p in fake.posts() if buttons(p)])
    thread_id: str = posts[0]["id"]
    await fake.until(lambda: thread_id in fake.threads())
    return thread_id


def _replies_to(fake: FakeDiscord, message_id: str) -> list[dict[str, object]]:
    return [b for b in fake.bodies if str((b.get("message_reference") or {}).get("message_id")) == message_id]


async def test_a_thread_answer_that_could_not_be_stored_gets_a_reply_asking_to_post_it_again(
    locked: tuple[Running, Holder], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app, holder = locked
    fake = app.fake
    thread = await _post_prompt(app)
    await app.settle()

    message = fake.member_message("alice", thread, ANSWER)
    async with holder.hold():
        await app.send("MESSAGE_CREATE", message)
        await app.settle()
    [reply] = await fake.until(lambda: _replies_to(fake, str(message["id"])))
    assert reply["content"] == NOT_SAVED and "Roll back" not in str(reply)
    assert reply["allowed_mentions"] == {"parse": [], "replied_user": False}  # nobody pinged, author neither
    assert any(m["channel_id"] == thread and m["content"] == NOT_SAVED for m in fake.messages.values())
    assert await _parts(app) == []
    assert "Roll back" not in caplog.text

    # Posted again once the database is back: stored, and no second note.
    again = fake.member_message("alice", thread, ANSWER)
    await app.send("MESSAGE_CREATE", again)
    await app.settle()
    assert await _parts(app) == [ANSWER]
    assert not _replies_to(fake, str(again["id"]))


async def test_an_edit_that_could_not_be_stored_is_answered_too_and_chat_outside_threads_is_not(
    locked: tuple[Running, Holder],
) -> None:
    app, holder = locked
    fake = app.fake
    thread = await _post_prompt(app)
    message = fake.member_message("alice", thread, ANSWER)
    await app.send("MESSAGE_CREATE", message)
    await app.settle()
    assert await _parts(app) == [ANSWER]

    chat = fake.member_message("bob", fake.general, "Lunch at noon, anyone?")
    async with holder.hold():
        await app.send("MESSAGE_UPDATE", fake.edited(message, "Roll back first, then write it up."))
        await app.send("MESSAGE_CREATE", chat)
        await app.settle()
    [reply] = await fake.until(lambda: _replies_to(fake, str(message["id"])))
    assert reply["content"] == EDIT_NOT_SAVED
    assert not _replies_to(fake, str(chat["id"]))  # a top-level message is never an answer
    assert await _parts(app) == [ANSWER]


async def test_a_reply_in_a_thread_a_member_opened_on_the_prompt_gets_the_note_on_a_locked_database(
    locked: tuple[Running, Holder], caplog: pytest.LogCaptureFixture
) -> None:
    # Create Public Threads is taken away as the prompt goes out (the gateway's CHANNEL_UPDATE not
    # in yet), so the post has no thread and a member opens one on it: Discord gives the thread the
    # post's id, so its replies are the prompt's answers.
    caplog.set_level(logging.INFO)
    app, holder = locked
    fake = app.fake
    general = fake.channels[fake.general]
    no_threads = {"id": fake.bot.id, "type": 1, "allow": "0", "deny": str(CREATE_PUBLIC_THREADS)}
    general["permission_overwrites"] = [*general["permission_overwrites"], no_threads]
    await app.send("INTERACTION_CREATE", fake.command("dana", "prompt"))
    [post] = await fake.until(lambda: [p for p in fake.posts() if buttons(p)])
    await app.settle()
    assert post["id"] not in fake.threads()  # the bot could not open it
    thread = thread_channel(post["id"], general, "answers", fake.people["alice"].id)
    fake.channels[post["id"]] = post["thread"] = thread
    await app.send("THREAD_CREATE", {**thread, "newly_created": True})
    await app.settle()

    message = fake.member_message("alice", post["id"], ANSWER)
    async with holder.hold():
        await app.send("MESSAGE_CREATE", message)
        await app.settle()
    [reply] = await fake.until(lambda: _replies_to(fake, str(message["id"])))
    assert reply["content"] == NOT_SAVED
    assert await _parts(app) == []
    assert "Roll back" not in caplog.text


async def test_a_reply_in_a_thread_a_member_started_gets_no_note_on_a_locked_database(
    locked: tuple[Running, Holder], caplog: pytest.LogCaptureFixture
) -> None:
    # A reply in a member's thread is chat, not an answer: with the database down, the bot must
    # not talk in every thread it can read. Two such threads, each opened on a member's message
    # (the thread takes its id): one the bot saw created (cached), one it did not (it reads the
    # thread over REST); neither starter message is cached, so the bot reads both over REST.
    caplog.set_level(logging.INFO)
    app, holder = locked
    fake = app.fake
    await _post_prompt(app)
    starters = [fake.member_message(n, fake.general, "Who is in?") for n in ("alice", "bob")]
    fake.messages.update({str(m["id"]): m for m in starters})
    seen = thread_channel(
        str(starters[0]["id"]), fake.channels[fake.general], "lunch", fake.people["alice"].id
    )
    unseen = thread_channel(
        str(starters[1]["id"]), fake.channels[fake.general], "books", fake.people["bob"].id
    )
    fake.channels[seen["id"]] = seen
    fake.channels[unseen["id"]] = unseen
    await app.send("THREAD_CREATE", {**seen, "newly_created": True})
    await app.settle()

    chat = [fake.member_message("bob", t["id"], ANSWER) for t in (seen, unseen)]
    async with holder.hold():
        for message in chat:
            await app.send("MESSAGE_CREATE", message)
        await app.settle()
    assert not [r for m in chat for r in _replies_to(fake, str(m["id"]))]
    assert not any(m["content"] == NOT_SAVED for m in fake.messages.values())
    assert "Roll back" not in caplog.text
    # Decided from what Discord answered, not from a read that failed.
    assert "could not read" not in caplog.text
    starter_reads = {f"/api/v10/channels/{fake.general}/messages/{m['id']}" for m in starters}
    assert starter_reads <= {path for verb, path in fake.requests if verb == "GET"}


async def test_a_command_and_a_click_on_a_locked_database_say_try_again_and_the_retry_works(
    locked: tuple[Running, Holder],
) -> None:
    app, holder = locked
    fake = app.fake
    await _post_prompt(app)
    [post] = [p for p in fake.posts() if buttons(p)]
    vote = next(b["custom_id"] for b in buttons(post) if b["label"] == "Vote")

    def told() -> list[str]:
        return [
            " ".join(
                [str(m.get("content") or "")] + [str(e.get("description") or "") for e in m["embeds"]]
            ).strip()
            for m in fake.whispers("alice")
        ]

    async with holder.hold():
        await app.send("INTERACTION_CREATE", fake.command("alice", "pair"))
        await fake.until(lambda: [t for t in told() if DATABASE_DOWN in t])
        await app.send("INTERACTION_CREATE", fake.click("alice", post, vote))
        await fake.until(lambda: len([t for t in told() if DATABASE_DOWN in t]) == 2)

    # New presses (new interaction ids): neither is taken for a re-delivery of the failed one.
    await app.send("INTERACTION_CREATE", fake.command("alice", "pair"))
    await fake.until(lambda: [t for t in told() if "opted in" in t])
    before = len(told())
    await app.send("INTERACTION_CREATE", fake.click("alice", post, vote))
    await fake.until(lambda: len(fake.whispers("alice")) > before)
    await app.settle()
    assert len([t for t in told() if DATABASE_DOWN in t]) == 2


@pytest.fixture(params=["sqlite", "postgresql"])
async def lockable_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[str, Holder]]:
    async with lockable(request, tmp_path, monkeypatch) as (url, holder):
        yield url, holder


async def test_after_a_restart_the_bots_own_post_is_recognised_over_rest_as_a_threads_starter(
    lockable_url: tuple[str, Holder], fake: FakeDiscord, library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    # The prompt went out before a restart and a member opened the thread on it afterwards: the new
    # process has neither the thread nor its starter message in discord.py's cache, so it reads both
    # over REST and must recognise the starter as its own post (the thread is a member's).
    caplog.set_level(logging.INFO)
    url, holder = lockable_url
    general = fake.channels[fake.general]
    no_threads = {"id": fake.bot.id, "type": 1, "allow": "0", "deny": str(CREATE_PUBLIC_THREADS)}
    async with running_bot(fake, url, library) as first:
        # Taken away as the prompt goes out, as above: the bot cannot open the thread.
        general["permission_overwrites"] = [*general["permission_overwrites"], no_threads]
        await first.send("INTERACTION_CREATE", fake.command("dana", "prompt"))
        [post] = await fake.until(lambda: [p for p in fake.posts() if buttons(p)])
        await first.settle()
    assert post["id"] not in fake.threads()
    async with running_bot(fake, url, library) as app:  # a new process: nothing cached
        thread = thread_channel(post["id"], general, "answers", fake.people["alice"].id)
        fake.channels[post["id"]] = post["thread"] = thread
        assert app.client.get_channel(int(post["id"])) is None
        assert app.client._connection._get_message(int(post["id"])) is None  # noqa: SLF001
        message = fake.member_message("alice", post["id"], ANSWER)
        async with holder.hold():
            await app.send("MESSAGE_CREATE", message)
            await app.settle()
        [reply] = await fake.until(lambda: _replies_to(fake, str(message["id"])))
    assert reply["content"] == NOT_SAVED
    reads = {path for verb, path in fake.requests if verb == "GET"}
    assert f"/api/v10/channels/{post['id']}" in reads  # the thread, over REST
    assert f"/api/v10/channels/{fake.general}/messages/{post['id']}" in reads  # its starter, over REST
    assert "could not read" not in caplog.text
    assert "Roll back" not in caplog.text
