"""Helpers for the quiz tests: find the right (or a wrong) button, count rows, pick topics."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from adapters.console.chat import Sent
from adapters.console.session import ConsoleSession
from bot.content import Pack
from bot.content_schema import MultipleChoice
from bot.store.engine import Database


def item_of(session: ConsoleSession, sent: Sent) -> MultipleChoice:
    """The multiple-choice item a question message with answer buttons shows."""
    item_id = sent.message.buttons[0].value.split("|")[1]
    item = session.bot.ctx.library.default.get(item_id)
    assert isinstance(item, MultipleChoice)
    return item


def button_number(session: ConsoleSession, sent: Sent, *, correct: bool) -> int:
    """The 1-based number of the right button, or of the first wrong one."""
    item = item_of(session, sent)
    for number, button in enumerate(sent.message.buttons, start=1):
        chosen = int(button.value.split("|")[2])
        if (chosen == item.answer_index) == correct:
            return number
    raise AssertionError("no such button")


def question(sent: list[Sent]) -> Sent:
    """The one message with answer buttons among what the bot just sent."""
    found = [s for s in sent if s.message.buttons and s.message.buttons[0].action.endswith(".answer")]
    assert len(found) == 1, [s.text for s in sent]
    return found[0]


def smallest_mcq_topic(pack: Pack) -> tuple[str, int]:
    """The topic with the fewest items that are all multiple choice, and how many it has."""
    sizes = []
    for topic in pack.topics:
        items = pack.quiz_items(topic=topic.id)
        if items and all(isinstance(i, MultipleChoice) for i in items):
            sizes.append((len(items), topic.id))
    count, topic = min(sizes)
    return topic, count


async def count(db: Database, model: Any, *where: Any) -> int:
    async with db.unit() as s:
        stmt = select(func.count()).select_from(model)
        for clause in where:
            stmt = stmt.where(clause)
        return int((await s.execute(stmt)).scalar_one())


async def points_sum(db: Database) -> int:
    from bot.store.models import PointEvent

    async with db.unit() as s:
        return int((await s.execute(select(func.coalesce(func.sum(PointEvent.points), 0)))).scalar_one())
