"""``/prep review``: spaced repetition (FSRS) of the questions a member missed.

A miss in practice or in a challenge puts the item in the member's queue
(``ReviewCard``); every later answer to it moves the card by FSRS, aimed at the
member's interview date when they set one (see ``bot.memory``). In the last week
before it, items at risk for the day come first.
The question and its buttons are practice's, shown in review mode, so one
answer handler records attempts, points and cards for both.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from bot import memory
from bot.buttons import NextCard
from bot.content_schema import MultipleChoice
from bot.domain import MessageRef
from bot.feature import Feature, button
from bot.render import OutboundMessage
from bot.services import quiz as practice
from bot.services import quiz_messages
from bot.services.forecast import member_deadline
from bot.store import quizzes as store
from bot.store.tenants import ensure_member

if TYPE_CHECKING:
    from bot.turn import Turn

LABEL = "Spaced review"


async def start(turn: Turn, args: tuple[str, ...]) -> None:
    """``/prep review``: the member's most overdue card, or when the next one is due."""
    await present_due(turn)


async def next_card(turn: Turn, value: NextCard, message: MessageRef | None) -> None:
    """The Next button after a review answer."""
    await present_due(turn)


async def present_due(turn: Turn) -> None:
    """Show the first due card whose item is still in the pack, recorded as shown first."""
    ctx = turn.ctx
    pack = ctx.library.default
    now = ctx.clock.now()
    token = practice.token_for(turn.delivery_id)
    async with ctx.db.unit() as session:
        member = await ensure_member(session, ref=turn.member)
        assert member.id is not None
        deadline = await member_deadline(session, member)
        cards = await store.member_cards(session, member_id=member.id)
        # Items removed from the pack, or no longer multiple choice, stay out of the queue.
        # The daily plan's order: with an interview date, the cards most at risk on the day first.
        ordered, _ = memory.day_reviews(
            cards, now, cap=len(cards), target=ctx.settings.target_recall, deadline=deadline
        )
        due = [(card, item) for card in ordered if isinstance(item := pack.get(card.item_id), MultipleChoice)]
        upcoming = None if due else await store.next_due(session, member_id=member.id)
        if due:
            card, item = due[0]
            await store.add_presentation(
                session,
                space_id=member.space_id,
                member_id=member.id,
                token=token,
                item_id=item.id,
                topic=pack.topic_of(item.id),
                mode=practice.REVIEW,
                at=now,
            )
    if not due:
        await turn.whisper(empty_message(upcoming, now))
        return
    card, item = due[0]
    left = len(due) - 1
    why = " · at risk for your interview" if card.at_risk else ""
    footer = (
        f"{LABEL} · missed {card.memory.lapses} time(s) · predicted recall now "
        f"{memory.recall(card.memory, now):.0%}{why} · {left} more due after this"
    )
    await turn.whisper(quiz_messages.question_message(item, token=token, footer=footer))


def empty_message(upcoming: dt.datetime | None, now: dt.datetime) -> OutboundMessage:
    """Nothing due: say when the next card comes back, or how cards get here."""
    if upcoming is None:
        return OutboundMessage(
            text=f"{LABEL}: you have no missed questions yet. "
            "Questions you miss in `/prep quiz` or a challenge come back here."
        )
    minutes = max(1, math.ceil((upcoming - now).total_seconds() / 60))
    if minutes < 120:
        when = f"in {minutes} minute(s)"
    elif minutes < 48 * 60:
        when = f"in about {round(minutes / 60)} hours"
    else:
        when = f"on {upcoming:%a %d %b}"
    return OutboundMessage(text=f"{LABEL}: nothing is due right now. Your next card comes back {when}.")


FEATURE = Feature("review", commands={"review": start}, buttons=(button(NextCard, next_card),))
