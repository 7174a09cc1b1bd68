"""Private practice on real SQLite and PostgreSQL: questions, feedback, no repeats, retried clicks."""

from __future__ import annotations

from sqlmodel import col

from adapters.console.session import ConsoleSession
from bot import quiz
from bot.content import Library
from bot.content_schema import MultipleChoice
from bot.events import ButtonPressed
from bot.services import quiz as practice
from bot.services import quiz_messages
from bot.store import ledger
from bot.store.models import PointEvent, QuizAttempt, ReviewCard
from bot.store.tenants import ensure_member
from tests.support.quizplay import button_number, count, item_of, points_sum, question, smallest_mcq_topic


async def test_a_practice_question_is_private_with_a_button_per_choice(session: ConsoleSession) -> None:
    sent = await session.push("alice: /prep quiz culture-values")
    shown = question(sent)
    item = item_of(session, shown)
    assert shown.visible_to == "alice"
    assert len(shown.message.buttons) == len(item.choices)
    assert all(len(b.label) <= quiz.LABEL_LIMIT for b in shown.message.buttons)
    assert session.bot.ctx.library.default.topic_of(item.id) == "culture-values"


async def test_a_right_answer_says_so_then_explains_with_the_source(session: ConsoleSession) -> None:
    shown = question(await session.push("alice: /prep quiz culture-values"))
    item = item_of(session, shown)
    feedback = await session.push(f"alice: press {button_number(session, shown, correct=True)}")
    assert len(feedback) == 1 and feedback[0].visible_to == "alice"
    assert feedback[0].text.startswith(f"✅ Correct. {item.explanation}")
    assert str(item.source) in feedback[0].text
    assert [b.label for b in feedback[0].message.buttons] == ["Next", "Report a problem"]


async def test_a_wrong_answer_says_so_and_shows_the_answer(session: ConsoleSession) -> None:
    shown = question(await session.push("alice: /prep quiz culture-values"))
    item = item_of(session, shown)
    feedback = await session.push(f"alice: press {button_number(session, shown, correct=False)}")
    assert feedback[0].text.startswith(f"❌ Incorrect. {item.explanation}")
    assert item.answer in feedback[0].text


async def test_an_unknown_topic_gets_a_private_list_of_topics(session: ConsoleSession) -> None:
    sent = await session.push("alice: /prep quiz astrology")
    assert len(sent) == 1 and sent[0].visible_to == "alice"
    assert "astrology" in sent[0].text and "`culture-values`" in sent[0].text


async def test_practice_never_repeats_before_the_topic_is_exhausted(session: ConsoleSession) -> None:
    topic, size = smallest_mcq_topic(session.bot.ctx.library.default)
    seen = [item_of(session, question(await session.push(f"alice: /prep quiz {topic}"))).id]
    for _ in range(size - 1):  # half by command, half by Next, answered or not
        shown = question(await session.push(f"alice: /prep quiz {topic}"))
        seen.append(item_of(session, shown).id)
    assert len(set(seen)) == size == len(seen)
    again = item_of(session, question(await session.push(f"alice: /prep quiz {topic}"))).id
    assert again in seen  # a new cycle starts once every item was shown


async def test_next_keeps_the_topic_and_shows_a_new_item(session: ConsoleSession) -> None:
    first = question(await session.push("alice: /prep quiz motivation"))
    await session.push(f"alice: press {button_number(session, first, correct=True)}")
    second = question(await session.push("alice: press Next"))
    pack = session.bot.ctx.library.default
    assert pack.topic_of(item_of(session, second).id) == "motivation"
    assert item_of(session, second).id != item_of(session, first).id


async def test_without_a_topic_the_weakest_one_comes_first(session: ConsoleSession) -> None:
    shown = question(await session.push("alice: /prep quiz role-expectations"))
    await session.push(f"alice: press {button_number(session, shown, correct=False)}")
    for _ in range(3):
        item = item_of(session, question(await session.push("alice: /prep quiz")))
        assert session.bot.ctx.library.default.topic_of(item.id) == "role-expectations"


async def test_a_retried_click_changes_nothing(session: ConsoleSession) -> None:
    db = session.bot.ctx.db
    shown = question(await session.push("alice: /prep quiz culture-values"))
    press = f"alice: press {button_number(session, shown, correct=True)} on {shown.ref.id}"
    first = await session.push(press, delivery_id="click-1")
    before = (await count(db, QuizAttempt), await count(db, PointEvent), await points_sum(db))
    assert await session.push(press, delivery_id="click-1") == []  # the platform's retry
    assert (await count(db, QuizAttempt), await count(db, PointEvent), await points_sum(db)) == before
    again = await session.push(press, delivery_id="click-2")  # a second click on the same question
    assert "already answered" in again[0].text
    assert (await count(db, QuizAttempt), await points_sum(db)) == (before[0], before[2])
    assert first[0].text.startswith("✅ Correct") and before == (1, 1, quiz.PRACTICE_POINTS)


async def test_a_miss_adds_a_review_card_and_a_hit_scores(session: ConsoleSession) -> None:
    db = session.bot.ctx.db
    for correct in (True, False, True):
        shown = question(await session.push("alice: /prep quiz culture-values"))
        await session.push(f"alice: press {button_number(session, shown, correct=correct)}")
    assert await count(db, ReviewCard) == 1
    assert await count(db, QuizAttempt, col(QuizAttempt.correct).is_(True)) == 2
    async with db.unit() as s:
        member = await ensure_member(s, ref=session.member("alice"))
        assert member.id is not None
        total = await ledger.total_points(s, space_id=member.space_id, member_id=member.id)
    assert total == 2 * quiz.PRACTICE_POINTS == await points_sum(db)


async def test_someone_elses_question_cannot_be_answered(session: ConsoleSession) -> None:
    shown = question(await session.push("alice: /prep quiz culture-values"))
    button = shown.message.buttons[0]
    bob = session.member("bob")

    await session.bot.handle(
        ButtonPressed("d-bob", shown.ref.channel, bob, button.action, button.value), session.chat
    )
    assert "not shown to you" in session.chat.log[-1].text
    assert await count(session.bot.ctx.db, QuizAttempt) == 0


def test_long_choices_are_clipped_on_buttons_and_written_out_in_full() -> None:
    long = "A very long choice that goes on and on about freedom, responsibility and context " * 2
    item = MultipleChoice(
        id="long",
        kind="mcq",
        difficulty="easy",
        round="culture",
        question="Which?",
        choices=[long, "Short"],
        answer="Short",
        explanation="Because.",
    )
    message = quiz_messages.question_message(item, token="t1", footer="f")
    assert all(len(b.label) <= quiz.LABEL_LIMIT for b in message.buttons)
    assert message.buttons[0].label.endswith("…")
    assert long.strip() in message.as_text()
    assert message.buttons[1].value == "t1|long|1"


def test_every_answer_button_fits_a_100_character_custom_id(library: Library) -> None:
    """Discord carries action and value in one custom_id; an over-long item id would break it."""
    token = practice.token_for("a-long-delivery-id-" * 5)
    for item in library.default.quiz_items():
        if isinstance(item, MultipleChoice):
            for button in quiz_messages.question_message(item, token=token, footer="f").buttons:
                assert len(f"prep:{button.action}:{button.value}") <= 100, item.id
