"""The reveal on real SQLite and PostgreSQL: ranking, the digest in the thread, points once."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from adapters.console.chat import Sent
from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.domain import MessageRef
from bot.events import CommandInvoked
from bot.render import OutboundMessage
from bot.services.answers import AnswerView
from bot.services.context import ServiceContext
from bot.services.digest import reveal
from bot.services.digest_ranking import rank
from bot.store import ledger
from bot.store.models import PromptPost
from tests.test_prompts import prompt_posts


async def play(session: ConsoleSession) -> Sent:
    """A prompt, three answers; bob's gets 2 votes, carol's 1, dave's 0."""
    session.admins.add("alice")
    [post] = await session.push("alice: /prep prompt")
    await session.push("bob: reply I would roll back first, then look at the graphs with the on-call")
    await session.push("carol: reply Page the owning team, and agree with them who tells the customers")
    await session.push("dave: reply Ask about the customer impact before deciding anything else at all")
    await session.push("carol: press Vote")
    await session.push("carol: press 1")  # bob
    await session.push("dave: press Vote")
    await session.push("dave: press 1")  # bob
    await session.push("bob: press Vote")
    await session.push("bob: press 1")  # carol (bob's ballot starts at answer 2)
    return post


def digests(session: ConsoleSession) -> list[Sent]:
    return [s for s in session.chat.log if s.author == "prepbot" and s.text.startswith("Voting is closed on")]


async def points(ctx: ServiceContext) -> dict[str, int]:
    async with ctx.db.unit() as s:
        space_id = (await s.execute(select(col(PromptPost.space_id)))).scalars().first() or 0
        return {row.name: row.points for row in await ledger.standings(s, space_id=space_id)}


async def test_reveal_ranks_posts_in_the_thread_and_awards_points_once(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    post = await play(session)
    sent = await session.push("alice: /prep reveal")
    [digest] = digests(session)
    assert digest.ref.thread_id == post.ref.id and digest in sent
    lines = digest.text.splitlines()
    results = lines[lines.index("*Results*") + 1 : lines.index("*Results*") + 4]
    assert results == [
        "1. “I would roll back first, then look at the graphs with the on-call” — bob — 2 votes",
        "2. “Page the owning team, and agree with them who tells the customers” — carol — 1 vote",
        "3. “Ask about the customer impact before deciding anything else at all” — dave — 0 votes",
    ]
    assert "*What a strong answer covers*" in lines
    assert await points(ctx) == {"bob": 9, "carol": 7, "dave": 5}
    again = await session.push("alice: /prep reveal")
    assert "no open culture prompt" in again[0].text
    async with ctx.db.unit() as s:
        prompt_id = (await s.execute(select(col(PromptPost.id)))).scalars().one()
    assert await reveal(ctx, session.chat, prompt_id) == "busy"
    assert len(digests(session)) == 1
    assert await points(ctx) == {"bob": 9, "carol": 7, "dave": 5}


async def test_reveal_works_from_the_thread_too(session: ConsoleSession) -> None:
    post = await play(session)
    alice = session.member("alice")
    await session.bot.handle(
        CommandInvoked("in-thread", session.current, alice, "reveal", (), thread_id=post.ref.id), session.chat
    )
    assert len(digests(session)) == 1


async def test_concurrent_reveals_post_one_digest(session: ConsoleSession, ctx: ServiceContext) -> None:
    await play(session)
    async with ctx.db.unit() as s:
        prompt_id = (await s.execute(select(col(PromptPost.id)))).scalars().one()
    outcomes = await asyncio.gather(*(reveal(ctx, session.chat, prompt_id) for _ in range(5)))
    assert sorted(outcomes) == ["busy"] * 4 + ["revealed"]
    assert len(digests(session)) == 1


async def test_the_window_end_reveals_before_the_next_post_and_nothing_is_posted_in_the_thread(
    session: ConsoleSession, clock: ManualClock
) -> None:
    session.admins.add("alice")
    await session.push("alice: /prep schedule 09:30 Europe/London reminders")
    await session.push("clock 2026-01-05 09:30 Europe/London")
    await session.push("bob: reply Roll back first, then tell the team what I assumed and why")
    await session.push("carol: reply Talk to the team first, then decide together whether to roll back")
    await session.push("clock 2026-01-06 09:30 Europe/London")
    texts = [s.text for s in session.chat.log if s.author == "prepbot" and not s.is_private]
    assert not any(t.startswith("Voting on this scenario closes") for t in texts)  # no thread reminder
    first_digest = next(i for i, t in enumerate(texts) if t.startswith("Voting is closed"))
    second_post = [i for i, t in enumerate(texts) if t.startswith("Today's culture scenario")][1]
    assert first_digest < second_post
    assert len(prompt_posts(session.chat)) == 2


async def test_unscheduled_prompts_close_after_a_day(session: ConsoleSession) -> None:
    await play(session)
    await session.push("clock +23h")
    assert digests(session) == []
    await session.push("clock +1h")
    assert len(digests(session)) == 1


async def test_a_failed_digest_is_retried_by_the_next_tick(session: ConsoleSession) -> None:
    await play(session)
    session.chat.reply_in_thread = _fail_once(session.chat.reply_in_thread)  # type: ignore[method-assign]
    sent = await session.push("alice: /prep reveal")
    assert "went wrong" in sent[-1].text and digests(session) == []
    await session.push("tick")  # the window has not ended, but a half-done reveal is resumed
    assert len(digests(session)) == 1


async def test_an_admin_can_retry_a_failed_reveal(session: ConsoleSession) -> None:
    await play(session)
    session.chat.reply_in_thread = _fail_once(session.chat.reply_in_thread)  # type: ignore[method-assign]
    await session.push("alice: /prep reveal")
    assert digests(session) == []
    await session.push("alice: /prep reveal")
    assert len(digests(session)) == 1


def _fail_once(send):  # type: ignore[no-untyped-def]
    calls = []

    async def wrapper(parent: MessageRef, message: OutboundMessage) -> MessageRef:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("timeout")
        return await send(parent, message)

    return wrapper


def test_ties_share_a_rank_and_keep_thread_order() -> None:
    views = [AnswerView(i, i, i, f"m{i}", f"text {i}") for i in range(1, 5)]
    ranked = rank(views, {2: 3, 3: 1, 4: 3})
    assert [(r.rank, r.answer.id, r.votes) for r in ranked] == [(1, 2, 3), (1, 4, 3), (3, 3, 1), (4, 1, 0)]
    assert ranked[2].line() == "3. “text 3” — m3 — 1 vote"
