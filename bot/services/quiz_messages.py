"""What private practice says: a question with a button per choice, and the feedback on an answer.

Labels are clipped to the platforms' button limit (``bot.quiz.LABEL_LIMIT``); when
any is, the full choices are written out in the body too. Feedback begins with the
verdict, then the answer, its source, and Next and Report buttons. Channel
challenges show their questions with the same buttons (``bot.services.challenge_messages``).
"""

from __future__ import annotations

from collections.abc import Callable

from bot import memory, quiz
from bot.buttons import ButtonCodec, NextCard, NextQuestion, QuizAnswer
from bot.content_schema import FreeText, MultipleChoice
from bot.render import Button, OutboundMessage, Section, clip
from bot.services.reports import report_button
from bot.store.enums import QuizMode


def choice_buttons(
    item: MultipleChoice, answer: Callable[[int], ButtonCodec]
) -> tuple[tuple[Button, ...], bool]:
    """One button per choice (``A. …``, carrying ``answer(index)``), clipped to the label limit;
    True when any was clipped."""
    buttons, clipped = [], False
    for index, choice in enumerate(item.choices):
        full = f"{quiz.LETTERS[index]}. {choice}"
        label = clip(full, quiz.LABEL_LIMIT)
        clipped = clipped or label != full
        buttons.append(answer(index).button(label))
    return tuple(buttons), clipped


def choices_section(item: MultipleChoice) -> Section:
    return Section("\n".join(f"{quiz.LETTERS[i]}. {c}" for i, c in enumerate(item.choices)))


def question_message(item: MultipleChoice, *, token: str, footer: str) -> OutboundMessage:
    """The question with a button per choice; full choice texts in the body when labels are clipped."""
    buttons, clipped = choice_buttons(item, lambda index: QuizAnswer(token, item.id, index))
    return OutboundMessage(
        text=item.question,
        sections=(choices_section(item),) if clipped else (),
        buttons=buttons,
        footer=footer,
    )


def feedback_text(item: MultipleChoice | FreeText, correct: bool) -> str:
    """Feedback always begins with the verdict, then the explanation."""
    mark = "✅ Correct." if correct else "❌ Incorrect."
    return f"{mark} {item.explanation}"


def answer_text(item: MultipleChoice | FreeText) -> str:
    if isinstance(item, FreeText):
        return item.accepted[0]
    return f"{quiz.LETTERS[item.answer_index]}. {item.answer}"


def feedback_message(
    item: MultipleChoice, *, correct: bool, mode: str, next_value: str, footer: str, pack_id: str
) -> OutboundMessage:
    """The verdict, the answer and the source, with Next and Report buttons."""
    sections = [Section(answer_text(item), title="Answer")]
    if item.source is not None:
        sections.append(Section(str(item.source), title="Source"))
    return OutboundMessage(
        text=feedback_text(item, correct),
        sections=tuple(sections),
        buttons=(
            (NextQuestion(next_value) if mode == QuizMode.PRACTICE else NextCard()).button("Next", "primary"),
            report_button(pack_id, item.id),
        ),
        footer=footer,
    )


def feedback_footer(points: int, state: memory.Memory | None) -> str:
    parts = [f"+{points} points"] if points else []
    if state is not None and state.due_at is not None:
        parts.append(f"you'll review it again on {state.due_at:%a %d %b %H:%M} UTC")
    return " · ".join(parts) or "Keep going"
