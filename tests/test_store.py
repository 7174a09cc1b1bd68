"""The store on real SQLite files and a real PostgreSQL server: migrations and unique keys."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.store.engine import Database
from bot.store.migrate import current_revision, upgrade
from bot.store.models import Answer, AnswerPart, PointEvent, PromptPost, Space, Vote
from bot.store.tenants import claim_delivery, ensure_channel, ensure_member

SPACE = SpaceRef("slack", "T1", "Acme")
CHANNEL = ChannelRef(SPACE, "C1", "prep")


async def test_migrations_apply_from_empty_and_match_the_models(database_url: str) -> None:
    db = Database(database_url)
    try:
        assert await current_revision(db) is None
        await upgrade(db)
        await upgrade(db)  # idempotent: a second start changes nothing
        assert await current_revision(db) == "0006"
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), SQLModel.metadata)
            )
        assert diff == []
    finally:
        await db.dispose()


async def test_get_or_create_is_idempotent_and_tenants_do_not_mix(db: Database) -> None:
    async with db.unit() as s:
        first = await ensure_channel(s, ref=CHANNEL)
        again = await ensure_channel(s, ref=CHANNEL)
        other = await ensure_channel(s, ref=ChannelRef(SpaceRef("discord", "T1"), "C1"))
    assert first.id == again.id
    assert other.space_id != first.space_id
    async with db.unit() as s:
        assert (await s.execute(select(func.count()).select_from(Space))).scalar_one() == 2


async def test_delivery_is_claimed_once(db: Database) -> None:
    async with db.unit() as s:
        channel = await ensure_channel(s, ref=CHANNEL)
        assert await claim_delivery(s, space_id=channel.space_id, key="cmd:1")
        assert not await claim_delivery(s, space_id=channel.space_id, key="cmd:1")


async def _prompt(db: Database, **keys: object) -> PromptPost:
    async with db.unit() as s:
        channel = await ensure_channel(s, ref=CHANNEL)
        assert channel.id is not None
        post = PromptPost(space_id=channel.space_id, channel_id=channel.id, scenario_id="x", **keys)
        s.add(post)
    return post


@pytest.mark.parametrize(
    "keys",
    [{"local_date": dt.date(2026, 3, 8)}, {"delivery_key": "cmd:abc"}],
    ids=["scheduled-per-local-date", "extra-per-delivery"],
)
async def test_one_prompt_per_channel_and_key(db: Database, keys: dict[str, object]) -> None:
    await _prompt(db, **keys)
    with pytest.raises(IntegrityError):
        await _prompt(db, **keys)


async def test_extra_posts_do_not_collide_with_the_scheduled_one(db: Database) -> None:
    await _prompt(db, local_date=dt.date(2026, 3, 8))
    await _prompt(db, delivery_key="cmd:1")
    await _prompt(db, delivery_key="cmd:2")


async def test_one_vote_per_answer_and_voter_and_one_part_per_message(db: Database) -> None:
    post = await _prompt(db, local_date=dt.date(2026, 1, 1))
    async with db.unit() as s:
        author = await ensure_member(s, ref=MemberRef(SPACE, "U1"))
        voter = await ensure_member(s, ref=MemberRef(SPACE, "U2"))
        answer = Answer(space_id=post.space_id, prompt_id=post.id, member_id=author.id)
        s.add(answer)
        await s.flush()
        s.add(AnswerPart(answer_id=answer.id, prompt_id=post.id, message_id="M1", text="hi"))
        s.add(Vote(space_id=post.space_id, prompt_id=post.id, answer_id=answer.id, voter_id=voter.id))
    with pytest.raises(IntegrityError):
        async with db.unit() as s:
            s.add(Vote(space_id=post.space_id, prompt_id=post.id, answer_id=answer.id, voter_id=voter.id))
    with pytest.raises(IntegrityError):
        async with db.unit() as s:
            s.add(AnswerPart(answer_id=answer.id, prompt_id=post.id, message_id="M1", text="again"))


async def test_point_awards_are_keyed(db: Database) -> None:
    async with db.unit() as s:
        member = await ensure_member(s, ref=MemberRef(SPACE, "U1"))
        s.add(PointEvent(space_id=member.space_id, member_id=member.id, points=1, reason="x", event_key="k"))
    with pytest.raises(IntegrityError):
        async with db.unit() as s:
            s.add(
                PointEvent(space_id=member.space_id, member_id=member.id, points=1, reason="x", event_key="k")
            )


async def test_migrations_downgrade_to_empty_and_up_again(database_url: str) -> None:
    from alembic import command

    from bot.store.migrate import alembic_config

    db = Database(database_url)
    try:
        await upgrade(db)
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "base"))
        assert await current_revision(db) is None
        await upgrade(db)
        assert await current_revision(db) == "0006"
    finally:
        await db.dispose()
