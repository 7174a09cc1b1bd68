"""/prep on Discord: the real discord.py client against the fake Discord, on SQLite."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from adapters.slack.translate import split_command
from bot.commands import COMMANDS
from bot.content import Library
from bot.content_schema import MultipleChoice
from bot.quiz import MAX_ROUNDS
from bot.services.challenge_rounds import REACTION
from bot.services.quiz import practice_topics
from bot.turn import Turn
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
    # carol plays too (a wrong choice): challenge points count only when two members play.
    wrong = next(c for c in custom_ids(question) if int(c.rsplit("|", 1)[1]) != item.answer_index)
    await app.send("INTERACTION_CREATE", fake.click("carol", question, wrong))
    await fake.until(lambda: fake.whispers("carol"))
    typed = fake.member_message("bob", fake.general, letter)
    app.clock.advance(REACTION * 2)  # bob reads the question before typing
    await app.send("MESSAGE_CREATE", typed)
    await app.send("MESSAGE_CREATE", typed)  # duplicated: still one win
    await fake.until(lambda: len(fake.posts()) > 2)
    await app.settle()
    later = [text_of(p) for p in fake.posts()[fake.posts().index(question) + 1 :]]
    assert later[0].startswith("🏆 Bob got it") and sum("got it" in t for t in later) == 1

    seen = len(fake.posts()) + len(fake.whispers("carol"))
    await app.send("INTERACTION_CREATE", fake.command("carol", "leaderboard", period="week"))
    await fake.until(lambda: len(fake.posts()) + len(fake.whispers("carol")) > seen)
    board = [m for m in fake.posts() + fake.whispers("carol") if "Leaderboard" in text_of(m)][-1]
    assert "Bob" in text_of(board) and "15" in text_of(board)


async def test_a_public_command_leaves_no_thinking_placeholder(app: Running) -> None:
    fake = app.fake
    command = fake.command("dana", "prompt")
    await app.send("INTERACTION_CREATE", command)
    await fake.until(lambda: [p for p in fake.posts() if buttons(p)])
    await app.settle()
    original = fake.interactions[command["id"]].original
    assert original is not None and original["id"] in fake.deleted  # the ephemeral "thinking…" is gone


# --- every documented sub-command and argument, as options -------------------------
def registered(app: Running, sub: str) -> dict[str, dict]:
    (prep,) = app.fake.commands
    command = next(s for s in prep["options"] if s["name"] == sub)
    return {o["name"]: o for o in command.get("options", [])}


def choice_values(option: dict) -> list[str]:
    return [c["value"] for c in option["choices"]]


async def test_options_are_registered_with_choices_ranges_and_autocomplete(app: Running) -> None:
    pair = registered(app, "pair")
    assert list(pair) == ["action", "day"] and not any(o.get("required") for o in pair.values())
    assert choice_values(pair["action"]) == ["now", "day", "off"]
    assert choice_values(pair["day"]) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    organizers = registered(app, "organizers")
    assert list(organizers) == ["action", "member"] and organizers["action"]["required"] is True
    assert choice_values(organizers["action"]) == ["add", "remove", "list"]
    assert organizers["member"]["type"] == 6  # a User option
    assert registered(app, "tz")["zone"]["autocomplete"] is True
    rounds = registered(app, "challenge")["rounds"]
    assert (rounds["type"], rounds["min_value"], rounds["max_value"]) == (4, 1, MAX_ROUNDS)
    assert list(registered(app, "interview")) == ["date", "company"]
    # Every sub-command of the table is there, in its order.
    assert [s["name"] for s in app.fake.commands[0]["options"]] == [c.name for c in COMMANDS]


# (Discord options, the Slack command text that means the same)
SAME_AS_SLACK: list[tuple[str, dict[str, object], str]] = [
    ("pair", {}, "pair"),
    ("pair", {"action": "now"}, "pair now"),
    ("pair", {"action": "day", "day": "wed"}, "pair day wed"),
    ("pair", {"day": "fri"}, "pair day fri"),
    ("pair", {"action": "off"}, "pair off"),
    ("organizers", {"action": "add", "member": "bob"}, "organizers add <@{bob}>"),
    ("organizers", {"action": "remove", "member": "carol"}, "organizers remove <@{carol}>"),
    ("organizers", {"action": "list"}, "organizers list"),
    ("tz", {"zone": "America/New_York"}, "tz America/New_York"),
    ("tz", {}, "tz"),
    ("interview", {"date": "2026-03-02", "company": "netflix"}, "interview 2026-03-02 netflix"),
    ("interview", {"date": "off"}, "interview off"),
    ("challenge", {"topic": "culture-values", "rounds": 3}, "challenge culture-values 3"),
    ("challenge", {"rounds": 20}, "challenge 20"),
    ("challenge", {"topic": "stop"}, "challenge stop"),
    ("quiz", {"topic": "motivation"}, "quiz motivation"),
    ("leaderboard", {"period": "month"}, "leaderboard month"),
    (
        "schedule",
        {"time": "09:30", "timezone": "Europe/London", "weekdays": "mon-fri"},
        "schedule 09:30 Europe/London mon-fri",
    ),
    ("schedule", {"time": "off"}, "schedule off"),
]


async def test_each_option_reaches_the_core_as_the_slack_words_would(app: Running) -> None:
    fake = app.fake
    seen: dict[str, tuple[str, tuple[str, ...]]] = {}

    def recorder(name: str) -> Callable[[Turn, tuple[str, ...]], Awaitable[None]]:
        async def record(turn: Turn, args: tuple[str, ...]) -> None:
            seen[turn.delivery_id] = (name, args)

        return record

    for name in {sub for sub, _, _ in SAME_AS_SLACK}:
        app.bot.command(name, recorder(name))  # the core's entry point, seen from the inside
    ids = {p: fake.people[p].id for p in fake.people}
    for sub, options, slack_text in SAME_AS_SLACK:
        values = {k: fake.people[v] if k == "member" else v for k, v in options.items()}
        command = fake.command("dana", sub, **values)
        await app.send("INTERACTION_CREATE", command)
        await fake.until(lambda delivery=command["id"]: delivery in seen)
        assert seen[command["id"]] == split_command(slack_text.format(**ids)), slack_text


async def test_topic_autocomplete_offers_only_topics_with_questions(app: Running, library: Library) -> None:
    fake = app.fake

    async def offered(sub: str, typed: str) -> list[str]:
        interaction = fake.autocomplete("alice", sub, focused="topic", topic=typed)
        await app.send("INTERACTION_CREATE", interaction)
        (callback,) = await fake.until(lambda: fake.interactions[interaction["id"]].callbacks)
        assert callback["type"] == 8
        return [c["value"] for c in callback["data"]["choices"]]

    pack = library.default
    assert not pack.quiz_items(topic="questions-to-ask")  # only `ask` items there
    assert await offered("quiz", "") == list(practice_topics(pack))
    assert await offered("challenge", "") == [t.id for t in pack.topics if pack.quiz_items(topic=t.id)]
    assert "questions-to-ask" not in await offered("challenge", "quest")
    assert (await offered("challenge", "st"))[0] == "stop"


async def test_zone_autocomplete_filters_what_was_typed(app: Running) -> None:
    fake = app.fake

    async def offered(typed: str) -> list[str]:
        interaction = fake.autocomplete("alice", "tz", focused="zone", zone=typed)
        await app.send("INTERACTION_CREATE", interaction)
        (callback,) = await fake.until(lambda: fake.interactions[interaction["id"]].callbacks)
        return [c["value"] for c in callback["data"]["choices"]]

    assert await offered("london") == ["Europe/London"]
    assert (await offered("new y"))[0] == "America/New_York"
    assert len(await offered("a")) == 25  # Discord's cap on choices
    assert (await offered(""))[0] == "UTC"
    est = await offered("EST")
    assert est and "EST" not in est and all("/" in z for z in est)  # IANA names, no bare abbreviations
    interaction = fake.autocomplete("alice", "schedule", focused="timezone", time="09:30", timezone="berl")
    await app.send("INTERACTION_CREATE", interaction)
    (callback,) = await fake.until(lambda: fake.interactions[interaction["id"]].callbacks)
    assert [c["value"] for c in callback["data"]["choices"]] == ["Europe/Berlin"]
