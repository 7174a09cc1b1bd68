"""The daily data job on SQLite and PostgreSQL: answer retention in bounded batches, removed spaces purged.

Retention keeps the running totals equal to a recount of the rows kept after every
batch; the purge deletes every row of a space removed longer ago than the window
(never before it, never after a reinstall) and leaves other spaces alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlmodel import SQLModel, col

from adapters.console.session import ConsoleSession
from bot.clock import ManualClock
from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.services import retention
from bot.services.context import ServiceContext
from bot.store import retention as store
from bot.store.engine import Database
from bot.store.models import (
    Answer,
    AnswerPart,
    Channel,
    DailyClaim,
    LateAnswer,
    Member,
    PromptPost,
    Space,
    Vote,
)
from bot.store.tenants import ensure_channel, ensure_member
from tests.test_forget import TEXT, points, two_prompts, vote
from tests.test_totals import kept, recount

DAY = dt.timedelta(days=1)


def configure(ctx: ServiceContext, **values: Any) -> None:
    ctx.settings = ctx.settings.model_copy(update=values)


async def count(db: Database, model: type[SQLModel], *where: Any) -> int:
    async with db.unit() as s:
        stmt = select(func.count()).select_from(model).where(*where)
        return int((await s.execute(stmt)).scalar_one())


async def rows_of_answers(db: Database) -> int:
    return sum([await count(db, model) for model in (Vote, AnswerPart, Answer, LateAnswer)])


async def test_answers_and_votes_past_retention_go_in_bounded_batches_with_exact_totals(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    configure(ctx, answer_retention_days=30, delete_batch=2)
    await two_prompts(session)
    await session.push("alice: /prep reveal")  # both prompts revealed on day 0
    session.clock.advance(10 * DAY)
    await session.push("alice: /prep prompt")  # day 10: a prompt retention must not touch yet
    for name in ("dave", "erin"):
        await session.push(f"{name}: reply {TEXT[name]}")
    await vote(session, "bob", 1)
    board = await points(ctx)
    kept_prompt = await count(ctx.db, Vote) + 0
    session.clock.advance(21 * DAY)  # day 31: the first two prompts are past 30 days

    keeper = retention.DataKeeper(batches_per_tick=1)
    before, batches = await rows_of_answers(ctx.db), 0
    assert before > 12
    while True:
        await keeper(ctx, session.chat)
        after = await rows_of_answers(ctx.db)
        assert before - after <= 2  # one batch a tick, at most PREPBOT_DELETE_BATCH rows
        assert await kept(ctx.db) == await recount(ctx.db)  # exact after every batch
        if after == before:
            break
        before, batches = after, batches + 1
    assert batches >= 6
    # What is left is the day-10 prompt's: its two answers, their parts and bob's vote.
    async with ctx.db.unit() as s:
        recent = (
            (await s.execute(select(col(PromptPost.id)).order_by(col(PromptPost.id).desc())))
            .scalars()
            .first()
        )
    assert await count(ctx.db, Answer) == await count(ctx.db, Answer, col(Answer.prompt_id) == recent) == 2
    assert await count(ctx.db, Vote) == 1 and kept_prompt > 1
    assert await points(ctx) == board  # points are the ledger's: earned, they stay
    # The day's work was claimed once: another replica's keeper finds nothing to claim.
    assert await count(ctx.db, DailyClaim, col(DailyClaim.kind) == "retention") == 1
    assert await retention.claim_today(ctx) == []


async def test_without_a_retention_setting_answers_are_kept(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    await two_prompts(session)
    await session.push("alice: /prep reveal")
    session.clock.advance(400 * DAY)
    before = await rows_of_answers(ctx.db)
    await retention.DataKeeper()(ctx, session.chat)
    assert await rows_of_answers(ctx.db) == before
    assert await count(ctx.db, DailyClaim) == 0


async def space_rows(db: Database, space_id: int) -> dict[str, int]:
    """Rows with this space id, per table (tables without the column are covered by their parents' keys)."""
    found: dict[str, int] = {}
    async with db.unit() as s:
        for table in SQLModel.metadata.sorted_tables:
            if "space_id" in table.c:
                n = await s.execute(
                    select(func.count()).select_from(table).where(table.c.space_id == space_id)
                )
                found[table.name] = int(n.scalar_one())
    return found


async def space_id_of(db: Database, name: str) -> int:
    async with db.unit() as s:
        return (await s.execute(select(col(Space.id)).where(col(Space.external_id) == name))).scalar_one()


async def uninstall(db: Database, space_id: int, at: dt.datetime | None) -> None:
    async with db.unit() as s:
        await s.execute(update(Space).where(col(Space.id) == space_id).values(uninstalled_at=at))


async def test_a_removed_space_is_purged_after_the_window_not_before_and_not_after_a_reinstall(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    configure(ctx, uninstall_retention_days=30, delete_batch=3)
    other = ConsoleSession(session.bot, session.clock, space_id="other")
    for each in (session, other):
        await two_prompts(each)
        await each.push("carol: /prep quiz culture-values")
        await each.push("carol: press 1")
        await each.push("bob: /prep pair")
    gone, stays = await space_id_of(ctx.db, "console"), await space_id_of(ctx.db, "other")
    others = await space_rows(ctx.db, stays)
    now = session.clock.now()

    await uninstall(ctx.db, gone, now - 29 * DAY)  # inside the window
    assert await retention.purge_due(ctx) == []
    await uninstall(ctx.db, gone, None)  # reinstalled after the window would have passed
    session.clock.advance(40 * DAY)
    assert await retention.purge_due(ctx) == [] and not await retention.purge_space(ctx, space_id=gone)

    # Removed 31 days ago: the daily job takes it, a batch a tick; a reinstall midway stops it.
    await uninstall(ctx.db, gone, session.clock.now() - 31 * DAY)
    keeper = retention.DataKeeper(batches_per_tick=1)
    start = sum((await space_rows(ctx.db, gone)).values())
    await keeper(ctx, session.chat)
    await keeper(ctx, session.chat)
    midway = sum((await space_rows(ctx.db, gone)).values())
    assert start - 6 <= midway < start  # two batches of at most 3 rows
    await uninstall(ctx.db, gone, None)
    await keeper(ctx, session.chat)
    assert sum((await space_rows(ctx.db, gone)).values()) == midway
    assert keeper.work[ctx.db].pending == []  # the job stopped; nothing marks the space purged
    async with ctx.db.unit() as s:
        assert (await s.get(Space, gone)).purged_at is None  # type: ignore[union-attr]

    # Removed again, and the window passed: the entry point the end-to-end test calls finishes it.
    await uninstall(ctx.db, gone, session.clock.now() - 31 * DAY)
    assert await retention.purge_due(ctx) == [gone]
    left = {table: n for table, n in (await space_rows(ctx.db, gone)).items() if n}
    assert left == {"dailyclaim": 1}  # the purge's own claim, which housekeeping prunes within a week
    assert (
        await count(ctx.db, DailyClaim, col(DailyClaim.space_id) == gone, col(DailyClaim.kind) == "purge")
        == 1
    )
    async with ctx.db.unit() as s:
        space = await s.get(Space, gone)
        assert space is not None and space.purged_at is not None and space.name == ""
        assert (await s.execute(text("SELECT count(*) FROM answerpart"))).scalar_one() > 0  # the other's
    assert await space_rows(ctx.db, stays) == others
    assert await kept(ctx.db) == await recount(ctx.db)
    assert await retention.purge_due(ctx) == []  # purged once; not looked at again

    # Installed again later: the space starts empty and works.
    await uninstall(ctx.db, gone, None)
    [topics] = await session.push("carol: /prep topics")
    assert "culture-values" in topics.text
    # Removed once more, later: the new removal's window counts, and its data goes in its turn.
    session.clock.advance(40 * DAY)
    await uninstall(ctx.db, gone, session.clock.now() - 31 * DAY)
    assert await retention.purge_due(ctx) == [gone]
    assert sum((await space_rows(ctx.db, gone)).values()) <= 1  # the first purge's claim may remain


async def pointers(db: Database, space_id: int) -> int:
    """Members and channels of the space that still point at each other."""
    return await count(
        db, Channel, col(Channel.space_id) == space_id, col(Channel.schedule_set_by).is_not(None)
    ) + await count(db, Member, col(Member.space_id) == space_id, col(Member.plan_channel_id).is_not(None))


async def test_a_purge_unlinks_members_and_channels_in_bounded_batches_and_a_retry_finishes_it(
    ctx: ServiceContext, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(ctx, uninstall_retention_days=30, delete_batch=2)
    space = SpaceRef("console", "wide")
    async with ctx.db.unit() as s:  # seven channels whose schedule a member set, each one's plan channel
        for n in range(7):
            channel = await ensure_channel(s, ref=ChannelRef(space, f"C{n}"))
            member = await ensure_member(s, ref=MemberRef(space, f"U{n}", f"m{n}"))
            channel.schedule_set_by, member.plan_channel_id = member.id, channel.id
            s.add_all([channel, member])
    gone = await space_id_of(ctx.db, "wide")
    await uninstall(ctx.db, gone, clock.now() - 31 * DAY)
    work = sum((await space_rows(ctx.db, gone)).values()) + await pointers(ctx.db, gone)
    assert await pointers(ctx.db, gone) == 14

    def window() -> dt.datetime:
        return clock.now() - 30 * DAY

    done, failed_once = 0, False
    while await pointers(ctx.db, gone) > 5:
        before = await pointers(ctx.db, gone)
        try:
            async with ctx.db.unit() as s:
                n = await store.purge_batch(
                    s, space_id=gone, uninstalled_before=window(), limit=2, now=clock.now()
                )
                assert n is not None and 0 < n <= 2  # one batch: at most PREPBOT_DELETE_BATCH rows
                if before < 10 and not failed_once:  # the process dies before this batch commits
                    failed_once = True
                    raise ConnectionError
        except ConnectionError:
            assert await pointers(ctx.db, gone) == before  # nothing of the lost batch stayed
            continue
        done += n
        assert await pointers(ctx.db, gone) == before - n
    assert failed_once
    # The next run (a new process: the operator's command) finishes, redoing nothing done before.
    redone = 0
    purge_batch = store.purge_batch

    async def counted(*args: Any, **kwargs: Any) -> int | None:
        nonlocal redone
        n = await purge_batch(*args, **kwargs)
        redone += n or 0
        return n

    monkeypatch.setattr(store, "purge_batch", counted)
    assert await retention.purge_space(ctx, space_id=gone)
    assert done + redone == work  # every row deleted or unlinked once, across both runs
    assert await pointers(ctx.db, gone) == 0
    assert {t: n for t, n in (await space_rows(ctx.db, gone)).items() if n} == {}
