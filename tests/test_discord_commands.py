"""/prep on Discord: the real discord.py client against the fake Discord, on SQLite."""

from __future__ import annotations

from bot.content import Library
from bot.content_schema import MultipleChoice
from bot.services.quiz import practice_topics
from tests.support.discord_harness import Running
from tests.support.discord_payloads import buttons


def text_of(message: dict) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds", []):
        parts.append(embed.get("description") or "")
        parts.extend(f"{f['name']}\n{f['value']}" for f in embed.get("fields", []))
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


async def test_help_is_an_ephemeral_answer_to_the_interaction(app: Running) -> None:
    fake = app.fake
    interaction = fake.command("alice", "help")
    await app.send("INTERACTION_CREATE", interaction)
    whispers = await fake.until(lambda: fake.whispers("alice"))
    record = fake.interactions[interaction["id"]]
    assert record.callbacks == [{"type": 5, "data": {"flags": 64}}]  # deferred, ephemeral
    assert "/prep quiz" in text_of(whispers[0]) and "/prep schedule" in text_of(whispers[0])
    assert fake.posts() == [] and fake.whispers("bob") == []


async def test_the_intents_include_message_content(app: Running) -> None:
    message_content = 1 << 15
    assert all(shard.intents & message_content for shard in app.fake.shards)


def custom_ids(message: dict) -> list[str]:
    return [b["custom_id"] for b in buttons(message)]


async def test_a_quiz_answered_by_button(app: Running, library: Library) -> None:
    fake = app.fake
    topic = next(iter(practice_topics(library.default)))
    await app.send("INTERACTION_CREATE", fake.command("alice", "quiz", topic=topic))
    question = (await fake.until(lambda: [m for m in fake.whispers("alice") if buttons(m)]))[0]
    assert fake.posts() == [] and fake.whispers("bob") == []  # private practice
    item = library.default.get(custom_ids(question)[0].split("|")[1])
    assert isinstance(item, MultipleChoice)
    right = next(c for c in custom_ids(question) if int(c.rsplit("|", 1)[1]) == item.answer_index)
    assert all(len(b["label"]) <= 80 and len(b["custom_id"]) <= 100 for b in buttons(question))

    click = fake.click("alice", question, right)
    await app.send("INTERACTION_CREATE", click)
    await app.send("INTERACTION_CREATE", click)  # a duplicated gateway event
    await fake.until(lambda: fake.interactions[click["id"]].followups)
    await app.settle()
    record = fake.interactions[click["id"]]
    assert record.callbacks == [{"type": 6}] and record.rejected == 1  # deferred update, once
    (feedback,) = record.followups
    assert feedback["flags"] & 64 and text_of(feedback).startswith("✅ Correct")

    again = fake.click("alice", question, right)  # a second, real press of the same button
    await app.send("INTERACTION_CREATE", again)
    await fake.until(lambda: fake.interactions[again["id"]].followups)
    assert "already answered" in text_of(fake.interactions[again["id"]].followups[0])


async def test_a_wrong_answer_says_incorrect(app: Running, library: Library) -> None:
    fake = app.fake
    await app.send("INTERACTION_CREATE", fake.command("bob", "quiz"))
    question = (await fake.until(lambda: [m for m in fake.whispers("bob") if buttons(m)]))[0]
    item = library.default.get(custom_ids(question)[0].split("|")[1])
    assert isinstance(item, MultipleChoice)
    wrong = next(c for c in custom_ids(question) if int(c.rsplit("|", 1)[1]) != item.answer_index)
    click = fake.click("bob", question, wrong)
    await app.send("INTERACTION_CREATE", click)
    followups = await fake.until(lambda: fake.interactions[click["id"]].followups)
    assert text_of(followups[0]).startswith("❌ Incorrect")


async def test_admin_commands_need_manage_server(app: Running) -> None:
    fake = app.fake
    await app.send("INTERACTION_CREATE", fake.command("bob", "prompt"))
    refusal = await fake.until(lambda: fake.whispers("bob"))
    assert "members with Manage Server, or an organizer" in text_of(refusal[0]) and fake.posts() == []


async def test_topic_autocomplete_offers_the_packs_topics(app: Running) -> None:
    fake = app.fake
    interaction = fake.autocomplete("alice", "quiz", focused="topic", topic="cult")
    await app.send("INTERACTION_CREATE", interaction)
    callbacks = await fake.until(lambda: fake.interactions[interaction["id"]].callbacks)
    assert callbacks[0]["type"] == 8
    assert [c["value"] for c in callbacks[0]["data"]["choices"]] == ["culture-values"]


async def test_options_reach_the_core_in_the_contracts_order(app: Running) -> None:
    fake = app.fake
    command = fake.command("dana", "schedule", time="09:30", timezone="Europe/London", weekdays="mon-fri")
    await app.send("INTERACTION_CREATE", command)
    reply = await fake.until(lambda: fake.whispers("dana"))
    assert "09:30" in text_of(reply[0]) and "Europe/London" in text_of(reply[0])


async def test_a_challenge_is_public_and_takes_typed_answers_in_the_channel(
    app: Running, library: Library
) -> None:
    fake = app.fake
    topic = next(iter(practice_topics(library.default)))
    await app.send("INTERACTION_CREATE", fake.command("alice", "challenge", topic=topic, rounds=1))
    question = (await fake.until(lambda: [p for p in fake.posts() if buttons(p)]))[0]
    assert question["content"].startswith("Round 1/1")
    item = library.default.get(custom_ids(question)[0].split("|")[1])
    assert isinstance(item, MultipleChoice)
    letter = "ABCDEFGH"[item.answer_index]
    typed = fake.member_message("bob", fake.general, letter)
    await app.send("MESSAGE_CREATE", typed)
    await app.send("MESSAGE_CREATE", typed)  # duplicated: still one win
    await fake.until(lambda: len(fake.posts()) > 2)
    await app.settle()
    later = [text_of(p) for p in fake.posts()[fake.posts().index(question) + 1 :]]
    assert later[0].startswith("🏆 Bob got it") and sum("got it" in t for t in later) == 1

    seen = len(fake.posts()) + len(fake.whispers("carol"))
    await app.send("INTERACTION_CREATE", fake.command("carol", "leaderboard", period="week"))
    await fake.until(lambda: len(fake.posts()) + len(fake.whispers("carol")) > seen)
    board = (fake.posts() + fake.whispers("carol"))[-1]
    assert "Bob" in text_of(board) and "15" in text_of(board)


async def test_a_public_command_leaves_no_thinking_placeholder(app: Running) -> None:
    fake = app.fake
    command = fake.command("dana", "prompt")
    await app.send("INTERACTION_CREATE", command)
    await fake.until(lambda: [p for p in fake.posts() if buttons(p)])
    await app.settle()
    original = fake.interactions[command["id"]].original
    assert original is not None and original["id"] in fake.deleted  # the ephemeral "thinking…" is gone
