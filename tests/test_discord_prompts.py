"""The daily prompt on Discord: post, thread, answers in the thread, blind votes, the reveal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.content import Library
from tests.support.discord_harness import Running, running_bot
from tests.support.discord_payloads import buttons
from tests.support.fake_discord import FakeDiscord

Message = dict[str, Any]


def text_of(message: Message) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts.append(embed.get("description") or "")
        parts.extend(f"{f['name']}\n{f['value']}" for f in embed.get("fields", []))
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


def button(message: Message, label: str) -> str:
    """The custom_id of the first button whose label contains ``label``."""
    found = [b["custom_id"] for b in buttons(message) if label in b["label"]]
    assert found, [b["label"] for b in buttons(message)]
    return found[0]


async def post_prompt(app: Running) -> Message:
    """Dana (Manage Server) runs /prep prompt; returns the post once its thread is open."""
    fake = app.fake
    await app.send("INTERACTION_CREATE", fake.command("dana", "prompt"))
    posts = await fake.until(lambda: [p for p in fake.posts() if buttons(p)])
    post: Message = posts[0]
    await fake.until(lambda: post["id"] in fake.threads())
    return post


async def answer(app: Running, name: str, thread_id: str, text: str) -> Message:
    message = app.fake.member_message(name, thread_id, text)
    await app.send("MESSAGE_CREATE", message)
    return message


async def press(app: Running, name: str, message: Message, label: str) -> list[Message]:
    """``name`` presses a button; returns what only they see afterwards that is new."""
    before = {m["id"] for m in app.fake.whispers(name)}
    await app.send("INTERACTION_CREATE", app.fake.click(name, message, button(message, label)))
    return list(await app.fake.until(lambda: [m for m in app.fake.whispers(name) if m["id"] not in before]))


async def test_prompt_thread_answers_blind_votes_and_reveal(app: Running) -> None:
    fake = app.fake
    post = await post_prompt(app)
    labels = [b["label"] for b in buttons(post)]
    assert labels == ["Vote", "Answer"] and post["content"]
    thread = fake.threads()[post["id"]]
    assert thread["id"] == post["id"] and thread["parent_id"] == fake.general

    await answer(
        app, "alice", post["id"], "I would roll back first, then write the postmortem with the team."
    )
    await answer(app, "bob", post["id"], "Ask for context before deciding anything, then agree on a plan.")
    await answer(app, "carol", post["id"], "Share the data with the team openly, and say what I do not know.")
    await app.settle()

    (ballot,) = await press(app, "alice", post, "Vote")
    ballot_text = text_of(ballot)
    assert "Ask for context" in ballot_text and "Share the data" in ballot_text
    assert "roll back" not in ballot_text  # not her own answer
    assert "Bob" not in ballot_text and "Carol" not in ballot_text  # blind: no authors
    assert "vote" not in " ".join(b["label"] for b in buttons(ballot)).lower()  # and no counts
    assert all(len(b["label"]) <= 80 and len(b["custom_id"]) <= 100 for b in buttons(ballot))

    (recorded,) = await press(app, "alice", ballot, "Ask for context")
    assert "recorded" in text_of(recorded)
    (bob_ballot,) = await press(app, "bob", post, "Vote")
    await press(app, "bob", bob_ballot, "roll back")
    (dana_ballot,) = await press(app, "dana", post, "Vote")
    await press(app, "dana", dana_ballot, "Ask for context")

    await app.send("INTERACTION_CREATE", fake.command("dana", "reveal", channel_id=post["id"]))
    digest = (await fake.until(lambda: fake.thread_posts(post["id"])))[0]
    results = text_of(digest)
    assert "1. “Ask for context before deciding anything, then agree on a plan.” — Bob — 2 votes" in results
    assert "— Alice — 1 vote" in results and "— Carol — 0 votes" in results
    assert "What a strong answer covers" in results


async def test_duplicated_events_edits_and_deletions(app: Running) -> None:
    fake = app.fake
    post = await post_prompt(app)
    alice = await answer(
        app, "alice", post["id"], "First thought: roll back, then find out what the change assumed."
    )
    await app.send("MESSAGE_CREATE", alice)  # the gateway delivers it again
    bob = await answer(
        app, "bob", post["id"], "Bob's original answer: page the owners and ask what they need first."
    )
    carol = await answer(
        app, "carol", post["id"], "Carol's answer, soon deleted: I would ask the customers what they saw."
    )
    await app.settle()
    await app.send("MESSAGE_UPDATE", fake.edited(bob, "Bob's edited answer."))
    await app.send("MESSAGE_DELETE", fake.deleted_event(carol))
    await app.send("MESSAGE_DELETE", fake.deleted_event(carol))  # duplicated too
    await app.settle()

    (ballot,) = await press(app, "dana", post, "Vote")
    text = text_of(ballot)
    assert (
        text.count("First thought: roll back, then find out what the change assumed.") == 1
        and "Bob's edited answer." in text
    )
    assert "original" not in text and "Carol" not in text and "soon deleted" not in text
    assert len(buttons(ballot)) == 2

    # One click re-delivered: Discord refuses the second acknowledgement, the vote counts once.
    click = fake.click(
        "dana", ballot, button(ballot, "First thought: roll back, then find out what the change assumed.")
    )
    await app.send("INTERACTION_CREATE", click)
    await app.send("INTERACTION_CREATE", click)
    await app.settle()
    record = fake.interactions[click["id"]]
    assert len(record.callbacks) == 1 and record.rejected == 1
    assert len(record.followups) == 1 and "recorded" in text_of(record.followups[0])

    await app.send("INTERACTION_CREATE", fake.command("dana", "reveal"))
    digest = (await fake.until(lambda: fake.thread_posts(post["id"])))[0]
    assert "“First thought: roll back, then find out what the change assumed.” — Alice — 1 vote" in text_of(
        digest
    )
    assert "— Bob — 0 votes" in text_of(digest) and "Carol" not in text_of(digest)


async def test_the_answer_button_takes_an_answer_through_a_modal(app: Running) -> None:
    fake = app.fake
    post = await post_prompt(app)
    click = fake.click("alice", post, button(post, "Answer"))
    await app.send("INTERACTION_CREATE", click)
    await fake.until(lambda: fake.interactions[click["id"]].callbacks)
    (callback,) = fake.interactions[click["id"]].callbacks
    assert callback["type"] == 9  # MODAL
    submit = fake.submit(
        "alice",
        post,
        callback["data"],
        "Answered without the Message Content intent, through the modal form.",
    )
    await app.send("INTERACTION_CREATE", submit)
    await app.send("INTERACTION_CREATE", submit)  # re-delivered: still one answer
    thanks = await fake.until(lambda: fake.whispers("alice"))
    assert "your answer is in" in text_of(thanks[0])

    (ballot,) = await press(app, "bob", post, "Vote")
    assert text_of(ballot).count("Answered without the Message Content intent, through the modal form.") == 1


async def test_bots_and_messages_outside_prompt_threads_are_not_answers(app: Running) -> None:
    fake = app.fake
    post = await post_prompt(app)
    await answer(app, "alice", fake.general, "A top-level message is not an answer.")
    robot = fake.member_message("bob", post["id"], "Beep, a bot reply.")
    robot["author"]["bot"] = True
    await app.send("MESSAGE_CREATE", robot)
    empty = fake.member_message("carol", post["id"], "")  # what arrives without Message Content
    await app.send("MESSAGE_CREATE", empty)
    await app.settle()
    whispers = await press(app, "dana", post, "Vote")
    assert "No answers from others yet" in text_of(whispers[0])


async def test_buttons_keep_working_after_a_restart(
    fake: FakeDiscord, tmp_path: Path, library: Library
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'restart.db'}"
    async with running_bot(fake, url, library) as first:
        post = await post_prompt(first)
        await answer(
            first, "alice", post["id"], "Written before the restart: roll back first, then ask the owners."
        )
        await first.settle()
    async with running_bot(fake, url, library) as second:  # a new process: no views in memory
        (ballot,) = await press(second, "bob", post, "Vote")
        assert "Written before the restart: roll back first, then ask the owners." in text_of(ballot)
        (recorded,) = await press(second, "bob", ballot, "Written before")
        assert "recorded" in text_of(recorded)


async def test_mentions_in_answers_never_ping_from_any_bot_message(app: Running) -> None:
    """Discord renders the mention, but allowed_mentions on every send keeps it from notifying."""
    fake = app.fake
    post = await post_prompt(app)
    bob_id = fake.people["bob"].id
    loud = f"@everyone @here <@{bob_id}> <@&{fake.general}>: roll back first."
    await answer(app, "alice", post["id"], loud)
    await answer(app, "bob", post["id"], "Ask for context before deciding anything, then agree on a plan.")
    await app.settle()
    (ballot,) = await press(app, "bob", post, "Vote")
    await press(app, "bob", ballot, "@everyone")
    await app.send("INTERACTION_CREATE", fake.command("dana", "reveal", channel_id=post["id"]))
    digest = (await fake.until(lambda: fake.thread_posts(post["id"])))[0]
    assert "roll back first" in text_of(digest)
    assert fake.message_bodies, "the fake saw no message bodies"
    for path, body in fake.message_bodies:
        allowed = (body.get("data") if "type" in body else body).get("allowed_mentions") or {}
        assert allowed.get("parse") == [] and not allowed.get("users") and not allowed.get("roles"), path
