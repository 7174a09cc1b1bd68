"""A challenge survives a failed post of its next question (real SQLite and PostgreSQL).

The platform refuses a question the way it fails in production: an outage (a 5xx,
a timeout, a rate limit the adapter gave up waiting out) for a few posts, or a
channel only a person can fix (``not_in_channel``). Nobody saw that question, so it
is never timed out as "nobody got this one" nor answered; a tick posts it again,
once however many replicas tick, and after a few attempts the challenge stops and
says what to do.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from adapters.console.session import ConsoleSession
from bot import quiz
from bot.content_schema import MultipleChoice
from bot.domain import ChannelRef, MessageRef
from bot.events import MessagePosted
from bot.render import OutboundMessage
from bot.services import challenge, challenge_clock
from bot.services.challenge_rounds import POST_ATTEMPTS
from bot.store.models import Challenge, ChallengeRound, QuizAttempt
from tests.support.quizplay import button_number, count, question
from tests.test_challenge import letter, posts, read, start, topic_of


def fail_questions(session: ConsoleSession, monkeypatch: pytest.MonkeyPatch, times: int) -> list[str]:
    """The next ``times`` question posts fail as a platform outage does; returns every question tried."""
    chat, tried, left = session.chat, [], [times]
    real = chat.post

    async def post(channel: ChannelRef, message: OutboundMessage) -> object:
        if message.text.startswith("Round "):
            tried.append(message.text)
            if left[0] > 0:
                left[0] -= 1
                raise ConnectionError("the platform did not answer (console outage)")
        return await real(channel, message)

    monkeypatch.setattr(chat, "post", post)
    return tried


async def second_round(session: ConsoleSession) -> ChallengeRound:
    async with session.bot.ctx.db.unit() as s:
        stmt = select(ChallengeRound).where(col(ChallengeRound.round_no) == 2)
        return (await s.execute(stmt)).scalars().one()


async def win_first_round(session: ConsoleSession, monkeypatch: pytest.MonkeyPatch, fails: int) -> list[str]:
    """alice starts, bob chats (so it is not idle), carol wins round 1; the next ``fails`` questions fail."""
    shown = await start(session, rounds=3)
    tried = fail_questions(session, monkeypatch, times=fails)
    await session.push("bob: say I have no idea")
    await session.push(f"carol: say {letter(session, shown)}")
    assert "carol got it" in posts(session, "🏆")[0].text
    return tried


async def test_a_question_that_failed_to_post_is_posted_by_a_tick_and_timed_from_then(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    tried = await win_first_round(session, monkeypatch, 1)
    assert len(tried) == 1 and tried[0].startswith("Round 2/3") and posts(session, "Round 2/3") == []

    await session.push("clock +1m")  # past the round's 45 s since it was stored: nobody saw it
    assert posts(session, "Time's up") == []
    assert len(posts(session, "Round 2/3")) == 1  # the tick posted it, once
    shown_at = session.clock.now()
    rnd = await second_round(session)
    assert rnd.posted_at == shown_at and rnd.started_at == shown_at and rnd.closed_at is None

    await session.push("clock +40s")  # its 45 s count from the post
    assert posts(session, "Time's up") == []
    await session.push("clock +10s")
    assert len(posts(session, "Time's up")) == 1 and len(posts(session, "Round 3/3")) == 1


async def test_an_answer_typed_before_the_question_is_posted_is_not_judged_against_it(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    await win_first_round(session, monkeypatch, 1)
    unseen = await second_round(session)
    pack = session.bot.ctx.library.default
    async with session.bot.ctx.db.unit() as s:
        first_id = (
            await s.execute(select(ChallengeRound.item_id).where(ChallengeRound.round_no == 1))
        ).one()[0]
    first, item = pack.get(first_id), pack.get(unseen.item_id)
    assert isinstance(first, MultipleChoice) and isinstance(item, MultipleChoice)
    guess = quiz.LETTERS[item.answer_index]
    # What a letter typed after a won round and before the next question gets today.
    if item.answer_index == first.answer_index:
        usual = ["✅ Correct, but carol answered first."]
    elif item.answer_index < len(first.choices):
        usual = ["That round is over. Watch for the next question."]
    else:
        usual = []  # no choice of round 1: ordinary chat
    read(session)
    # dave types round 2's answer (a lucky guess): round 1, already won, is the round anyone saw.
    told = await session.push(f"dave: say {guess}")
    assert [(s.visible_to, s.text) for s in told] == [("dave", text) for text in usual]
    assert posts(session, "dave got it") == []
    db = session.bot.ctx.db
    assert await count(db, QuizAttempt, col(QuizAttempt.token) == f"challenge:{unseen.id}") == 0
    assert (await second_round(session)).winner_id is None

    await session.push("clock +10s")  # past the failed post's back-off: the tick posts it
    shown = question(posts(session, "Round 2/3"))
    read(session)
    await session.push(f"dave: say {letter(session, shown)}")
    assert "dave got it" in posts(session, "🏆")[-1].text


async def test_a_first_question_that_failed_to_post_leaves_typed_chat_alone(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_questions(session, monkeypatch, times=1)
    sent = await session.push(f"alice: /prep challenge {topic_of(session)} 2")
    assert [s.text for s in sent if s.text.startswith("Round ")] == []
    read(session)
    chat = MessagePosted(session.chat.new_ref(sent[0].ref.channel), session.member("bob"), "A")
    assert not await challenge.typed(session.bot.ctx, session.chat, chat)  # no round anyone saw
    await session.push("clock +10s")
    assert len(posts(session, "Round 1/2")) == 1 and posts(session, "Time's up") == []


async def test_two_replicas_ticking_together_post_the_retry_once(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    tried = await win_first_round(session, monkeypatch, 1)
    session.clock.advance(dt.timedelta(seconds=10))
    ctx, chat = session.bot.ctx, session.chat
    await asyncio.gather(*(challenge_clock.tick(ctx, chat) for _ in range(3)))
    assert len(tried) == 2 and len(posts(session, "Round 2/3")) == 1
    await challenge_clock.tick(ctx, chat)  # posted: nothing left to retry
    assert len(tried) == 2
    assert (await second_round(session)).post_attempts == 2


async def test_a_question_that_keeps_failing_stops_the_challenge_with_what_to_do(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    tried = await win_first_round(session, monkeypatch, 100)
    for _ in range(8):
        await session.push("clock +10s")
    assert len(tried) == POST_ATTEMPTS and posts(session, "Round 2/3") == []
    assert posts(session, "Time's up") == []
    [final] = posts(session, "Challenge over")
    assert final.text.startswith("🏁 Challenge over. Stopped: round 2's question could not be posted.")
    assert (
        f"after {POST_ATTEMPTS} tries" in final.text
        and "start a new one with `/prep challenge`" in final.text
    )
    assert await count(session.bot.ctx.db, Challenge, col(Challenge.active_slot).is_(None)) == 1
    await session.push("clock +5m")
    assert len(tried) == POST_ATTEMPTS and len(posts(session, "Challenge over")) == 1
    session.clock.advance(dt.timedelta(hours=2))  # past the hourly limit on challenge starts
    assert "started a challenge" in (await session.push("bob: /prep challenge"))[0].text


async def test_a_channel_that_refuses_the_bot_stops_the_challenge_and_its_starter_hears_how_to_fix_it(
    session: ConsoleSession,
) -> None:
    shown = await start(session, rounds=3)
    await session.push("bob: say I have no idea")
    session.chat.blocked[shown.ref.channel.id] = "not_in_channel"  # the bot was removed from it
    await session.push(f"carol: say {letter(session, shown)}")  # the win's summary cannot be posted
    for _ in range(3):
        await session.push("clock +10s")
    assert posts(session, "Time's up") == [] and posts(session, "Round 2/3") == []
    [told] = [s for s in session.chat.log if s.visible_to == "alice" and "Challenge over" in s.text]
    where = f"#{shown.ref.channel.name or shown.ref.channel.id}"
    assert f"round 2's question could not be posted in {where}" in told.text
    assert f"Invite prepbot first: type `/invite @prepbot` in {where}" in told.text
    assert await count(session.bot.ctx.db, Challenge, col(Challenge.active_slot).is_(None)) == 1


async def test_a_round_stored_by_a_replica_before_the_post_lease_is_timed_out_not_posted_again(
    session: ConsoleSession,
) -> None:
    """During a rolling upgrade, a replica on the old code stores and posts a round without
    recording either: that round is treated as shown (answered, timed out), never re-posted."""
    shown = await start(session, rounds=2)
    await session.push("bob: say I have no idea")
    async with session.bot.ctx.db.unit() as s:
        await s.execute(update(ChallengeRound).values(posted_at=None, post_attempts=0))
    await session.push(f"carol: say {quiz.LETTERS[button_number(session, shown, correct=False) - 1]}")
    typed = [s for s in session.chat.log if s.author == "carol"][-1]
    assert typed.reactions == ["x"]  # judged against round 1: a wrong answer
    await session.push("clock +1m")
    assert len(posts(session, "Round 1/2")) == 1 and len(posts(session, "Time's up")) == 1


async def test_a_question_that_arrived_though_its_answer_was_lost_is_not_posted_twice(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The platform took round 2's question but its answer never came back (a timeout): the
    retry finds that copy by the post's key, as Slack's history and Discord's nonce can."""
    shown = await start(session, rounds=3)
    chat, real = session.chat, session.chat.post
    lost = [1]

    async def post(channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        ref = await real(channel, message)
        if message.text.startswith("Round 2/") and lost[0]:
            lost[0] -= 1
            raise TimeoutError("the platform's answer never came")
        return ref

    async def find_posted(channel: ChannelRef, key: str) -> MessageRef | None:
        return next((s.ref for s in chat.log if s.message.key == key and s.ref.channel == channel), None)

    monkeypatch.setattr(chat, "post", post)
    monkeypatch.setattr(chat, "find_posted", find_posted, raising=False)
    await session.push("bob: say I have no idea")
    await session.push(f"carol: say {letter(session, shown)}")
    [seen] = posts(session, "Round 2/3")
    await session.push("clock +10s")
    assert posts(session, "Round 2/3") == [seen]  # found, not posted again
    rnd = await second_round(session)
    assert rnd.message_id == seen.ref.id and rnd.posted_at == session.clock.now()
