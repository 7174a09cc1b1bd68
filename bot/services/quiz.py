"""Private practice: ``/prep quiz [topic]``, its answer buttons and the Next button.

Practice asks multiple-choice items only. Free-text items need a typed answer,
and a typed answer in a channel is public, so they are kept for channel
challenges, where typing is the point.

A shown question is recorded (``QuizPresentation``) before it is sent, under a
token derived from the delivery that asked for it; its buttons carry that token,
and ``QuizAttempt``'s unique (member, token) key makes a second click count once.
Review questions (``/prep review``) use the same message and buttons
(``bot.services.quiz_messages``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot import memory, quiz
from bot.buttons import NextCard, NextQuestion, QuizAnswer
from bot.content import Pack
from bot.content_schema import MultipleChoice
from bot.domain import MessageRef
from bot.feature import Feature, button
from bot.services.context import UserError
from bot.services.forecast import member_deadline
from bot.services.quiz_messages import feedback_footer, feedback_message, question_message
from bot.store import ledger
from bot.store import quizzes as store
from bot.store.enums import QuizMode
from bot.store.members import get_member
from bot.store.tenants import ensure_member

if TYPE_CHECKING:
    from bot.turn import Turn

PRACTICE = QuizMode.PRACTICE
REVIEW = QuizMode.REVIEW
ANSWER = QuizAnswer.ACTION
NEXT: dict[str, str] = {PRACTICE: NextQuestion.ACTION, REVIEW: NextCard.ACTION}


def token_for(delivery_id: str) -> str:
    """A short presentation token: one per delivery, so a retried command cannot show two.

    Short because it rides in every button's value, and Discord keeps action and
    value in a 100-character ``custom_id``.
    """
    return "t" + hashlib.sha256(delivery_id.encode()).hexdigest()[:11]


def practice_topics(pack: Pack) -> dict[str, list[MultipleChoice]]:
    """Topics that have multiple-choice items, with those items, in pack order."""
    found: dict[str, list[MultipleChoice]] = {}
    for topic in pack.topics:
        items = [i for i in pack.quiz_items(topic=topic.id) if isinstance(i, MultipleChoice)]
        if items:
            found[topic.id] = items
    return found


def resolve_topic(pack: Pack, word: str | None) -> str | None:
    """The practice topic named by ``word`` (None for "choose for me"); a clear error otherwise."""
    if word is None:
        return None
    topics = practice_topics(pack)
    wanted = word.casefold().strip("`")
    if wanted in topics:
        return wanted
    listed = ", ".join(f"`{t}`" for t in topics)
    raise UserError(f"{topic_problem(pack, wanted)} Topics with quiz questions: {listed}.")


def topic_problem(pack: Pack, topic: str) -> str:
    """Why ``topic`` cannot be quizzed: unknown, or a real topic without quiz items (said by name)."""
    known = next((t for t in pack.topics if t.id == topic), None)
    if known is None:
        return f"I don't know the topic `{topic}`."
    hint = " (`/prep ask` suggests those)" if pack.items(topic=topic, kinds=("ask",)) else ""
    return f"`{topic}` ({known.title}) has no quiz questions{hint}."


def quiz_topics(pack: Pack) -> list[str]:
    """The ids of topics that have practice questions: what topic suggestions should offer."""
    return list(practice_topics(pack))


async def start(turn: Turn, args: tuple[str, ...]) -> None:
    """``/prep quiz [topic]``: a private question, from the weakest topic when none is named."""
    topic = resolve_topic(turn.ctx.library.default, args[0] if args else None)
    await present_next(turn, topic)


async def next_question(turn: Turn, value: NextQuestion, message: MessageRef | None) -> None:
    """The Next button: another question on the same topic (or the weakest one)."""
    await present_next(turn, value.topic or None)


async def present_next(turn: Turn, topic: str | None) -> None:
    """Choose an unseen item (least-shown first), record it as shown, then whisper it."""
    ctx = turn.ctx
    topics = practice_topics(ctx.library.default)
    if not topics:
        raise UserError("This pack has no quiz questions yet.")
    token = token_for(turn.delivery_id)
    async with ctx.db.unit() as session:
        member = await ensure_member(session, ref=turn.member)
        assert member.id is not None
        if topic is None or topic not in topics:
            tallies = await store.topic_tallies(session, member_id=member.id)
            topic = quiz.weakest_topic(list(topics), tallies, ctx.rng)
        counts = await store.shown_counts(session, member_id=member.id, topic=topic, mode=PRACTICE)
        items = {i.id: i for i in topics[topic]}
        item = items[quiz.pick_item(list(items), counts, ctx.rng)]
        await store.add_presentation(
            session,
            space_id=member.space_id,
            member_id=member.id,
            token=token,
            item_id=item.id,
            topic=topic,
            mode=PRACTICE,
            at=ctx.clock.now(),
        )
    seen = sum(1 for i in items if counts.get(i)) + (0 if counts.get(item.id) else 1)
    title = next((t.title for t in ctx.library.default.topics if t.id == topic), topic)
    footer = f"Practice · {title} · {item.difficulty} · {seen} of {len(items)} seen"
    await turn.whisper(question_message(item, token=token, footer=footer))


async def answer(turn: Turn, value: QuizAnswer, message: MessageRef | None) -> None:
    """An answer button: record the attempt once, award points, update the review card, give feedback."""
    ctx = turn.ctx
    token, item_id, choice = value.token, value.item_id, value.choice
    item = ctx.library.default.get(item_id)
    if not isinstance(item, MultipleChoice):
        raise UserError("That question is no longer in the pack. Try `/prep quiz` for a new one.")
    correct = choice == item.answer_index
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        member = await ensure_member(session, ref=turn.member)
        assert member.id is not None
        shown = await store.get_presentation(session, member_id=member.id, token=token)
        if shown is None or shown.item_id != item_id:
            raise UserError("That question was not shown to you. Try `/prep quiz` for your own.")
        first = await store.record_attempt(
            session,
            space_id=member.space_id,
            member_id=member.id,
            item_id=item_id,
            topic=shown.topic,
            mode=shown.mode,
            token=token,
            correct=correct,
            at=now,
        )
        if not first:
            raise UserError("You already answered this question; your first answer counts.")
        points = (quiz.PRACTICE_POINTS if shown.mode == PRACTICE else quiz.REVIEW_POINTS) if correct else 0
        if points:
            await ledger.award(
                session,
                space_id=member.space_id,
                member_id=member.id,
                points=points,
                reason=shown.mode,
                key=f"quiz:{member.id}:{token}",
                at=now,
            )
        state = await update_card(
            session,
            space_id=member.space_id,
            member_id=member.id,
            item_id=item_id,
            mode=shown.mode,
            correct=correct,
            now=now,
            token=token,
            target=ctx.settings.target_recall,
        )
    footer = feedback_footer(points, state)
    next_value = shown.topic if shown.mode == PRACTICE else ""
    await turn.whisper(
        feedback_message(
            item,
            correct=correct,
            mode=shown.mode,
            next_value=next_value,
            footer=footer,
            pack_id=ctx.library.default.id,
        )
    )


async def update_card(
    session: AsyncSession,
    *,
    space_id: int,
    member_id: int,
    item_id: str,
    mode: str,
    correct: bool,
    now: dt.datetime,
    token: str,
    target: float,
) -> memory.Memory | None:
    """Grade the member's card pass/fail (FSRS, aimed at their interview) and log the review.

    Every answer to a carded item moves it; a miss elsewhere creates the card
    (see :func:`bot.memory.after_answer`). The log is keyed by the answer's token.
    """
    current = store.card_memory(await store.get_card(session, member_id=member_id, item_id=item_id))
    member = await get_member(session, member_id=member_id)
    deadline = await member_deadline(session, member) if member is not None else None
    state = memory.after_answer(
        current, correct, now, review=mode == REVIEW, target=target, deadline=deadline
    )
    if state is None:
        return None
    await store.save_card(
        session, space_id=space_id, member_id=member_id, item_id=item_id, memory=state, at=now
    )
    await store.log_review(
        session,
        space_id=space_id,
        member_id=member_id,
        item_id=item_id,
        rating=memory.rating(correct),
        mode=mode,
        token=token,
        at=now,
    )
    return state


FEATURE = Feature(
    "quiz",
    commands={"quiz": start},
    buttons=(button(QuizAnswer, answer), button(NextQuestion, next_question)),
)
