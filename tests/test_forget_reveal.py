"""A member forgotten while a digest naming them is being posted, on SQLite and PostgreSQL.

The reveal ranks the answers, posts the digest, then records the awards. A forget
that lands between the two (the digest is already on its way) must not make the
record fail on the member's deleted row, nor award what the forgotten member wrote
or the votes they cast: the awards follow what is stored when they are recorded.
"""

from __future__ import annotations

from typing import Any

from adapters.console.session import ConsoleSession
from bot.services.context import ServiceContext
from bot.services.forget import forget_for_operator
from tests.test_digest import digests
from tests.test_forget import TEXT, member_id, points, rows_naming, vote
from tests.test_totals import kept, recount


async def one_prompt(session: ConsoleSession) -> None:
    """bob 2 votes (carol, dave), carol 1 (bob), dave none; not yet revealed."""
    session.admins.add("alice")
    await session.push("alice: /prep prompt")
    for name in ("bob", "carol", "dave"):
        await session.push(f"{name}: reply {TEXT[name]}")
    await vote(session, "carol", 1)  # bob
    await vote(session, "dave", 1)  # bob
    await vote(session, "bob", 1)  # carol


def forget_while_posting(
    session: ConsoleSession, ctx: ServiceContext, name: str
) -> list[dict[str, int] | None]:
    """Forget ``name`` (the operator's way) just before the digest reaches the chat."""
    chat: Any = session.chat
    post = chat.reply_in_thread
    done: list[dict[str, int] | None] = []

    async def reply_in_thread(parent: Any, message: Any) -> Any:
        if not done:
            done.append(await forget_for_operator(ctx.db, session.member(name)))
        return await post(parent, message)

    chat.reply_in_thread = reply_in_thread
    return done


async def test_an_author_forgotten_during_the_reveal_gets_no_award(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    await one_prompt(session)
    carol = await member_id(ctx.db, "carol")
    assert carol is not None
    forgotten = forget_while_posting(session, ctx, "carol")
    await session.push("alice: /prep reveal")
    assert forgotten and forgotten[0] is not None
    assert digests(session), "the digest is posted"
    assert await rows_naming(ctx.db, carol) == {}
    # bob: 5 for answering, 2 for dave's vote (carol's is gone); dave: 5.
    assert await points(ctx) == {"bob": 7, "dave": 5}
    assert await kept(ctx.db) == await recount(ctx.db)


async def test_a_voter_forgotten_during_the_reveal_no_longer_counts(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    await one_prompt(session)
    forget_while_posting(session, ctx, "dave")
    await session.push("alice: /prep reveal")
    # bob: 5 + carol's vote; carol: 5 + bob's vote.
    assert await points(ctx) == {"bob": 7, "carol": 7}
    assert await kept(ctx.db) == await recount(ctx.db)
