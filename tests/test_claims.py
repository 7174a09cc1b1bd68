"""The core claims every inbound delivery once, in the handler's own transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from adapters.console.chat import ConsoleChat
from bot.domain import ChannelRef, MemberRef, MessageRef, SpaceRef
from bot.events import CommandInvoked, MessageEdited, MessagePosted, delivery_key
from bot.feature import Feature
from bot.ports import ChatPort
from bot.router import GENERIC_FAILURE, PARTLY_SAVED, NotHandled, Prepbot
from bot.services.context import ServiceContext
from bot.store.models import Delivery
from bot.turn import Turn

SPACE = SpaceRef("console", "claims")
REF = MessageRef(ChannelRef(SPACE, "general"), "m1", "root")
BOB = MemberRef(SPACE, "bob", "bob")


async def _claims(ctx: ServiceContext) -> int:
    async with ctx.db.unit() as s:
        return int((await s.execute(select(func.count()).select_from(Delivery))).scalar_one())


@pytest.mark.parametrize("fails", ["inside its unit", "after its unit committed"])
async def test_a_message_that_failed_is_retried_and_a_stored_one_is_not_handled_twice(
    ctx: ServiceContext, fails: str
) -> None:
    seen: list[str] = []
    failures = [fails]

    async def store(ctx: ServiceContext, port: ChatPort, event: object) -> bool:
        assert isinstance(event, MessagePosted)
        async with ctx.db.unit():  # the first unit records the claim with the work
            seen.append(event.delivery_id)
            if failures and failures[0] == "inside its unit":
                failures.clear()
                raise RuntimeError("could not store")
        if failures:
            failures.clear()
            raise RuntimeError("failed after storing")
        return True

    bot = Prepbot(ctx, [Feature("store", messages=(store,))])
    event = MessagePosted(REF, BOB, "an answer", delivery_id="Ev1")
    with pytest.raises(NotHandled):
        await bot.handle(event, ConsoleChat())
    assert await _claims(ctx) == 0  # given back (or never committed): the retry may store it
    await bot.handle(event, ConsoleChat())  # the platform's retry
    await bot.handle(event, ConsoleChat())  # a re-delivery of a stored message
    assert seen == ["Ev1", "Ev1"] and await _claims(ctx) == 1


def test_one_key_format_for_every_delivery() -> None:
    assert delivery_key(MessagePosted(REF, BOB, "x", delivery_id="Ev9")) == "msg:Ev9"
    assert delivery_key(MessagePosted(REF, BOB, "x")) == "msg:posted:general:m1"
    assert delivery_key(MessageEdited(REF, BOB, "x")) is None  # edits apply twice harmlessly


@pytest.mark.parametrize("fails", ["inside its unit", "after its unit committed"])
async def test_a_command_that_failed_says_truthfully_whether_anything_was_saved(
    ctx: ServiceContext, fails: str
) -> None:
    saved: list[str] = []

    async def toggle(turn: Turn, args: tuple[str, ...]) -> None:
        async with turn.ctx.db.unit():  # the first unit records the claim with the work
            if fails == "inside its unit":
                raise RuntimeError("could not save")
            saved.append("on")
        raise RuntimeError("failed after saving")

    bot = Prepbot(ctx, [Feature("toggle", commands={"stats": toggle})])
    chat = ConsoleChat()
    command = CommandInvoked("cmd-1", REF.channel, BOB, "stats")
    await bot.handle(command, chat)
    await bot.handle(command, chat)  # a retry of the same delivery
    told = [sent.message.text for sent in chat.log if sent.visible_to == "bob"]
    if fails == "inside its unit":
        # Nothing was saved: the member may try again, and so may the platform's retry.
        assert saved == [] and told == [GENERIC_FAILURE, GENERIC_FAILURE] and await _claims(ctx) == 0
    else:
        # Saved before the failure: said so, and the retry of the delivery changes nothing.
        assert saved == ["on"] and told == [PARTLY_SAVED] and await _claims(ctx) == 1
