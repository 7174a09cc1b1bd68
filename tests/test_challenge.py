"""Channel challenges on real SQLite and PostgreSQL: one winner, timeouts, stopping, typed answers."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import col, select

from adapters.console.chat import Sent
from adapters.console.session import ConsoleSession
from bot import quiz
from bot.events import ButtonPressed, MessagePosted
from bot.services import challenge, challenge_rounds
from bot.store import challenges
from bot.store.models import Challenge, ChallengeRound, PointEvent, QuizAttempt, ReviewCard
from bot.store.tenants import ensure_member
from tests.support.quizplay import button_number, count, item_of, points_sum, question, smallest_mcq_topic


def topic_of(session: ConsoleSession) -> str:
    """A topic whose questions all have buttons, so every round can be pressed."""
    return smallest_mcq_topic(session.bot.ctx.library.default)[0]


READ = challenge_rounds.REACTION + dt.timedelta(seconds=0.5)


async def start(session: ConsoleSession, rounds: int = 2, who: str = "alice") -> Sent:
    sent = await session.push(f"{who}: /prep challenge {topic_of(session)} {rounds}")
    assert all(s.visible_to is None for s in sent), [s.text for s in sent]
    assert "started a challenge" in sent[0].text
    read(session)
    return question(sent)


def read(session: ConsoleSession) -> None:
    """Members read the question before typing: a typed answer counts from REACTION after it."""
    session.clock.advance(READ)


def posts(session: ConsoleSession, marker: str) -> list[Sent]:
    return [
        s for s in session.chat.log if s.author == "prepbot" and s.visible_to is None and marker in s.text
    ]


def letter(session: ConsoleSession, shown: Sent) -> str:
    return quiz.LETTERS[item_of(session, shown).answer_index]


async def test_a_challenge_is_public_and_one_runs_per_channel(session: ConsoleSession) -> None:
    shown = await start(session)
    assert shown.text.startswith("Round 1/2")
    refused = await session.push("bob: /prep challenge")
    assert len(refused) == 1 and refused[0].visible_to == "bob" and "already running" in refused[0].text
    session.use_channel("other")
    assert "started a challenge" in (await session.push("bob: /prep challenge"))[0].text


async def test_two_presses_in_the_same_instant_give_one_winner(session: ConsoleSession) -> None:
    shown = await start(session)
    button = shown.message.buttons[button_number(session, shown, correct=True) - 1]
    presses = [
        ButtonPressed(
            f"d-{who}", shown.ref.channel, session.member(who), button.action, button.value, shown.ref
        )
        for who in ("bob", "carol")
    ]
    await asyncio.gather(*(session.bot.handle(p, session.chat) for p in presses))
    db = session.bot.ctx.db
    assert len(posts(session, "🏆")) == 1
    assert await count(db, ChallengeRound, col(ChallengeRound.winner_id).is_not(None)) == 1
    late = [s for s in session.chat.log if s.visible_to in ("bob", "carol")]
    assert len(late) == 1 and "answered first" in late[0].text
    assert await count(db, ChallengeRound) == 2  # the winner opened round 2, once
    assert await count(db, PointEvent) == 0  # points reach the ledger when the challenge ends
    await session.push("alice: /prep challenge stop")
    assert await count(db, PointEvent) == 1  # two played: the one win counts, once


async def test_two_typed_answers_in_the_same_instant_give_one_winner(session: ConsoleSession) -> None:
    shown = await start(session)
    answer = letter(session, shown)
    events = [
        MessagePosted(session.chat.new_ref(shown.ref.channel), session.member(who), answer)
        for who in ("bob", "carol", "dave")
    ]
    await asyncio.gather(*(session.bot.handle(e, session.chat) for e in events))
    assert len(posts(session, "🏆")) == 1
    await session.push("alice: /prep challenge stop")
    assert await count(session.bot.ctx.db, PointEvent) == 1
    assert await count(session.bot.ctx.db, ChallengeRound, col(ChallengeRound.winner_id).is_not(None)) == 1


async def test_a_right_answer_between_a_win_and_the_next_question_is_a_play_not_lost_chat(
    session: ConsoleSession,
) -> None:
    """The moment two concurrent answers can meet: bob's win is written, round 2 not yet posted."""
    shown = await start(session)
    ctx = session.bot.ctx
    async with ctx.db.unit() as s:
        rnd = (await s.execute(select(ChallengeRound))).scalars().one()
        running = (await s.execute(select(Challenge))).scalars().one()
        bob = await ensure_member(s, ref=session.member("bob"))
        won = await challenge_rounds.settle(
            s,
            member=bob,
            challenge=running,
            rnd=rnd,
            topic=topic_of(session),
            correct=True,
            now=ctx.clock.now(),
            target=ctx.settings.target_recall,
        )
        assert won.kind == "won"  # bob's first transaction: his play and his win are written
    late = MessagePosted(
        session.chat.new_ref(shown.ref.channel), session.member("carol"), letter(session, shown)
    )
    assert await challenge.typed(ctx, session.chat, late)  # consumed as carol's play of round 1
    told = session.chat.log[-1]
    assert told.visible_to == "carol" and told.text == "✅ Correct, but bob answered first."
    async with ctx.db.unit() as s:
        assert await challenges.players(s, challenge_id=rnd.challenge_id) == 2


async def test_a_right_answer_between_a_timed_out_round_and_the_next_question_is_told_it_is_over(
    session: ConsoleSession,
) -> None:
    shown = await start(session)
    ctx = session.bot.ctx
    async with ctx.db.unit() as s:
        rnd = (await s.execute(select(ChallengeRound))).scalars().one()
        assert rnd.id is not None
        assert await challenges.close_round(s, round_id=rnd.id, at=ctx.clock.now())
    carol = session.member("carol")
    late = MessagePosted(session.chat.new_ref(shown.ref.channel), carol, letter(session, shown))
    assert await challenge.typed(ctx, session.chat, late)
    told = session.chat.log[-1]
    assert told.visible_to == "carol" and told.text == "That round is over. Watch for the next question."


async def test_the_winner_scores_base_plus_speed_bonus_on_the_ledger(session: ConsoleSession) -> None:
    shown = await start(session, rounds=1)
    await session.push(f"carol: press {button_number(session, shown, correct=False)}")  # a second player
    session.clock.advance(dt.timedelta(seconds=quiz.ROUND_SECONDS // 2))
    await session.push(f"bob: say {letter(session, shown)}")
    expected = quiz.challenge_points(dt.timedelta(seconds=quiz.ROUND_SECONDS // 2) + READ)
    assert quiz.BASE_POINTS < expected < quiz.BASE_POINTS + quiz.SPEED_BONUS
    assert await points_sum(session.bot.ctx.db) == expected
    final = posts(session, "Challenge over")
    assert len(final) == 1 and "bob wins" in final[0].text and f"1. bob — {expected} points" in final[0].text


async def test_a_wrong_answer_is_the_members_one_try_and_goes_to_review(session: ConsoleSession) -> None:
    shown = await start(session)
    await session.push(f"bob: press {button_number(session, shown, correct=False)}")
    assert "one try" in session.chat.log[-1].text and session.chat.log[-1].visible_to == "bob"
    await session.push(f"bob: say {letter(session, shown)}")  # too late for bob this round
    assert posts(session, "🏆") == []
    assert await count(session.bot.ctx.db, ReviewCard) == 1
    await session.push(f"carol: say {letter(session, shown)}")
    assert "carol got it" in posts(session, "🏆")[0].text


async def test_typed_chat_is_not_consumed_and_words_inside_words_do_not_win(session: ConsoleSession) -> None:
    shown = await start(session)
    ctx = session.bot.ctx
    chatter = MessagePosted(session.chat.new_ref(shown.ref.channel), session.member("bob"), "hello all")
    assert await challenge.typed(ctx, session.chat, chatter) is False
    in_thread = MessagePosted(
        session.chat.new_ref(shown.ref.channel, thread_id=shown.ref.id),
        session.member("bob"),
        letter(session, shown),
    )
    assert await challenge.typed(ctx, session.chat, in_thread) is False
    item = item_of(session, shown)
    full = MessagePosted(session.chat.new_ref(shown.ref.channel), session.member("bob"), item.answer.upper())
    assert await challenge.typed(ctx, session.chat, full) is True
    assert "bob got it" in posts(session, "🏆")[0].text


async def test_rounds_time_out_and_the_last_one_ends_the_challenge(session: ConsoleSession) -> None:
    await start(session, rounds=2)
    await session.push("bob: say I have no idea")  # activity, so it is not idle
    await session.push("clock +1m")
    assert len(posts(session, "Time's up")) == 1
    assert posts(session, "Round 2/2")
    await session.push("clock +1m")
    final = posts(session, "Challenge over")
    assert len(final) == 1 and "All rounds played" in final[0].text and "Nobody scored" in final[0].text
    assert await count(session.bot.ctx.db, Challenge, col(Challenge.active_slot).is_(None)) == 1
    await session.push("clock +5m")
    assert len(posts(session, "Challenge over")) == 1  # nothing more after the end


async def test_an_idle_challenge_stops_by_itself(session: ConsoleSession) -> None:
    await start(session, rounds=10)
    for _ in range(6):
        await session.push("clock +1m")
    final = posts(session, "Challenge over")
    assert len(final) == 1 and "nobody answered" in final[0].text
    assert len(posts(session, "Round ")) < 10
    assert "started a challenge" in (await session.push("bob: /prep challenge"))[0].text


async def test_only_the_starter_or_an_admin_can_stop_it(session: ConsoleSession) -> None:
    await start(session, rounds=5)
    refused = await session.push("bob: /prep challenge stop")
    assert refused[0].visible_to == "bob" and "alice" in refused[0].text
    stopped = await session.push("alice: /prep challenge stop")
    assert stopped[0].visible_to is None and "Stopped by alice" in stopped[0].text
    await start(session, rounds=5, who="bob")
    session.admins.add("erin")
    assert "Stopped by erin" in (await session.push("erin: /prep challenge stop"))[0].text
    assert "No challenge" in (await session.push("erin: /prep challenge stop"))[0].text


async def test_pressing_an_old_rounds_button_does_nothing(session: ConsoleSession) -> None:
    shown = await start(session)
    await session.push(f"bob: press {button_number(session, shown, correct=True)}")
    right = button_number(session, shown, correct=True)
    sent = await session.push(f"carol: press {right} on {shown.ref.id}")
    assert sent[0].text == "✅ Correct, but bob answered first." and sent[0].visible_to == "carol"
    wrong = button_number(session, shown, correct=False)
    sent = await session.push(f"dave: press {wrong} on {shown.ref.id}")
    assert "round is over" in sent[0].text
    assert await count(session.bot.ctx.db, ReviewCard) == 0  # a press after the round is no miss
    await session.push("alice: /prep challenge stop")
    assert await count(session.bot.ctx.db, PointEvent) == 1


async def test_a_retried_press_changes_nothing(session: ConsoleSession) -> None:
    shown = await start(session)
    press = f"bob: press {button_number(session, shown, correct=False)} on {shown.ref.id}"
    await session.push(press, delivery_id="retry-me")
    assert await session.push(press, delivery_id="retry-me") == []
    assert await count(session.bot.ctx.db, QuizAttempt) == 1


async def test_bad_arguments_get_a_private_usage(session: ConsoleSession) -> None:
    sent = await session.push("alice: /prep challenge astrology")
    assert sent[0].visible_to == "alice" and "Topics with quiz questions" in sent[0].text
    assert await count(session.bot.ctx.db, Challenge) == 0


async def test_a_win_after_a_stop_opens_no_new_round(session: ConsoleSession) -> None:
    shown = await start(session, rounds=3)
    ctx = session.bot.ctx
    async with ctx.db.unit() as s:
        rnd = (await s.execute(select(ChallengeRound))).scalars().one()
        running = (await s.execute(select(Challenge))).scalars().one()
    await session.push("alice: /prep challenge stop")
    await challenge_rounds.next_step(ctx, session.chat, shown.ref.channel, running, rnd, "🏆 late")
    assert await count(ctx.db, ChallengeRound) == 1
    assert len(posts(session, "Challenge over")) == 1


async def test_a_solo_challenge_earns_no_points(session: ConsoleSession) -> None:
    """One member alone in a channel answering the public pack: the rounds are won, nothing counts."""
    for _ in range(3):
        shown = await start(session, rounds=2, who="bob")
        await session.push(f"bob: say {letter(session, shown)}")
        shown = question(session.chat.log[-1:])
        read(session)
        await session.push(f"bob: say {letter(session, shown)}")
        final = posts(session, "Challenge over")[-1]
        assert "No points this time" in final.text and "two members" in final.text
        session.clock.advance(dt.timedelta(hours=2))  # past the member's hourly challenge starts
    assert await points_sum(session.bot.ctx.db) == 0
    assert "no points yet" in (await session.push("bob: /prep leaderboard"))[0].text


async def test_an_answer_typed_as_the_next_question_appears_is_not_judged_against_it(
    session: ConsoleSession,
) -> None:
    """Bob's letter for round 1 arrives in the instant round 2 is posted: round 2 ignores it, and
    his try for round 2 stays open; a wrong typed answer later gets a quiet reaction."""
    shown = await start(session, rounds=3)
    await session.push(f"carol: say {letter(session, shown)}")  # carol wins round 1; round 2 is posted
    second = question(session.chat.log[-1:])
    # bob's answer for round 1 arrives in the same instant: judged against round 1, which carol won.
    [note] = await session.push(f"bob: say {letter(session, shown)}")
    assert note.visible_to == "bob" and note.text == "✅ Correct, but carol answered first."
    db = session.bot.ctx.db
    async with db.unit() as s:
        played = [(a.token, a.correct) for a in (await s.execute(select(QuizAttempt))).scalars()]
    assert all(token == played[0][0] for token, _ in played) and len(played) == 2  # both in round 1
    read(session)
    wrong = button_number(session, second, correct=False)
    guess = quiz.LETTERS[wrong - 1]
    assert await session.push(f"bob: say {guess}") == []  # nothing posted, nobody notified…
    typed = [s for s in session.chat.log if s.author == "bob" and s.text == guess][-1]
    assert typed.reactions == ["x"]  # …only a reaction under bob's own message
    await session.push(f"bob: say {letter(session, second)}")  # his one try is used
    assert posts(session, "🏆")[-1].text.startswith("🏆 carol")
    await session.push(f"dave: say {letter(session, second)}")
    assert "dave got it" in posts(session, "🏆")[-1].text


async def test_an_answer_in_the_instant_the_first_question_appears_is_not_counted(
    session: ConsoleSession,
) -> None:
    sent = await session.push(f"alice: /prep challenge {topic_of(session)} 1")
    shown = question(sent)
    [note] = await session.push(f"bob: say {letter(session, shown)}")
    assert note.visible_to == "bob" and "not counted" in note.text and "still open" in note.text
    read(session)
    await session.push(f"bob: say {letter(session, shown)}")
    assert "bob got it" in posts(session, "🏆")[0].text
