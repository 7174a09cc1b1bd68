"""A channel challenge on Discord whose next question the channel refuses (403 Missing Permissions)."""

from __future__ import annotations

import datetime as dt

from bot.content import Library
from bot.content_schema import MultipleChoice
from bot.services.challenge_rounds import REACTION
from bot.services.quiz import practice_topics
from tests.support.discord_harness import Running
from tests.support.discord_payloads import buttons
from tests.test_discord_commands import custom_ids, text_of


async def a_minute_later_told(app: Running) -> str:
    """A minute of ticks; no later round nor "time's up" posted; what the starter (alice) was told."""
    for _ in range(6):
        app.clock.advance(dt.timedelta(seconds=10))
        await app.bot.tick(app.client.handler.port)
    await app.settle()
    fake = app.fake
    assert [text_of(p) for p in fake.posts() if "Round 2/3" in text_of(p) or "Time's up" in text_of(p)] == []
    [told] = [text_of(m) for m in fake.whispers("alice") if "Challenge over" in text_of(m)]
    return told


async def test_a_question_the_channel_refuses_stops_the_challenge_and_tells_its_starter(
    app: Running, library: Library
) -> None:
    """Send Messages is taken from the bot after round 1: round 2 is never timed out (nobody saw
    it); a tick tries it again, the challenge stops, and alice hears in a DM how to fix it."""
    fake = app.fake
    topic = next(iter(practice_topics(library.default)))
    await app.send("INTERACTION_CREATE", fake.command("alice", "challenge", topic=topic, rounds=3))
    question = (await fake.until(lambda: [p for p in fake.posts() if buttons(p)]))[0]
    # The question is on Discord before its post is recorded (and its clock started): bob,
    # typing before then, would be answering a round nobody had seen yet.
    await app.settle()
    item = library.default.get(custom_ids(question)[0].split("|")[1])
    assert isinstance(item, MultipleChoice)
    await fake.restrict(fake.general, send=False)
    app.clock.advance(REACTION * 2)
    posts = ("POST", f"/api/v10/channels/{fake.general}/messages")
    tried = fake.requests.count(posts)
    await app.send("MESSAGE_CREATE", fake.member_message("bob", fake.general, "ABCDEFGH"[item.answer_index]))
    # Bob's win closes round 1 before any tick: its announcement is tried (and refused).
    await fake.until(lambda: fake.requests.count(posts) > tried)
    await app.settle()
    told = await a_minute_later_told(app)  # past the round's 45 s and the post's lease
    assert "round 2's question could not be posted in #" in told
    assert "give prepbot the View Channel and Send Messages permissions" in told
    assert "then start a new one with `/prep challenge`" in told


async def test_a_round_that_times_out_in_a_channel_that_refuses_the_bot_still_stops_the_challenge(
    app: Running, library: Library
) -> None:
    """Nobody answers round 1 and Send Messages is gone: its "time's up" is refused, and the
    next question is tried at once (not after its post's lease), which stops the challenge."""
    fake = app.fake
    topic = next(iter(practice_topics(library.default)))
    await app.send("INTERACTION_CREATE", fake.command("alice", "challenge", topic=topic, rounds=3))
    await fake.until(lambda: [p for p in fake.posts() if buttons(p)])
    await app.settle()  # round 1's post recorded before the clock moves: its 45 s start there
    await fake.restrict(fake.general, send=False)
    told = await a_minute_later_told(app)  # round 1 times out at 45 s
    assert "round 2's question could not be posted in #" in told
