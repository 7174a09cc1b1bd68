"""Scheduled once-a-period work is claimed in its own table, once, on SQLite and PostgreSQL.

Plans, weekly reports and the lonely-pairing note used to borrow the delivery table;
migration 0012 moves what was claimed there, and its downgrade moves it back, so
nothing already sent is sent again across an upgrade or a rollback.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text

from bot.domain import ChannelRef, SpaceRef
from bot.store.claims import claim_daily, prune, take_daily_send
from bot.store.engine import Database
from bot.store.enums import DailyKind
from bot.store.migrate import downgrade, upgrade
from bot.store.models import DailyClaim, Delivery
from bot.store.tenants import claim_delivery, ensure_channel

CHANNEL = ChannelRef(SpaceRef("slack", "T1", "Acme"), "C1", "prep")
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


async def test_a_period_is_claimed_once_per_kind_and_space(db: Database) -> None:
    async with db.unit() as s:
        channel = await ensure_channel(s, ref=CHANNEL)
        other = await ensure_channel(s, ref=ChannelRef(SpaceRef("discord", "G1"), "C1"))
        space = channel.space_id
        assert await claim_daily(s, space_id=space, kind=DailyKind.PLAN, key="7:2026-12-01", at=NOW)
        assert not await claim_daily(s, space_id=space, kind=DailyKind.PLAN, key="7:2026-12-01", at=NOW)
        assert await claim_daily(s, space_id=space, kind=DailyKind.PLAN, key="7:2026-12-02", at=NOW)
        assert await claim_daily(s, space_id=space, kind=DailyKind.READINESS, key="7:2026-12-01", at=NOW)
        assert await claim_daily(s, space_id=other.space_id, kind=DailyKind.PLAN, key="7:2026-12-01", at=NOW)
        # An inbound delivery with the same text is another table's business.
        assert await claim_delivery(s, space_id=space, key="plan:7:2026-12-01", at=NOW)


async def test_old_claims_are_pruned_and_recent_ones_kept(db: Database) -> None:
    async with db.unit() as s:
        channel = await ensure_channel(s, ref=CHANNEL)
        old = NOW - dt.timedelta(days=8)
        await claim_daily(s, space_id=channel.space_id, kind=DailyKind.PLAN, key="1:old", at=old)
        await claim_daily(s, space_id=channel.space_id, kind=DailyKind.PLAN, key="1:new", at=NOW)
        await claim_delivery(s, space_id=channel.space_id, key="cmd:old", at=old)
        assert await prune(s, before=NOW - dt.timedelta(days=7)) == 1
    async with db.unit() as s:
        assert list((await s.execute(select(DailyClaim.key))).scalars()) == ["1:new"]
        assert (await s.execute(select(func.count()).select_from(Delivery))).scalar_one() == 0


async def test_the_migration_carries_claims_across_and_back(database_url: str) -> None:
    db = Database(database_url)
    try:
        await upgrade(db, "0011_loop")
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO space (platform, external_id, name, created_at) "
                    "VALUES ('slack', 'T1', '', :at)"
                ),
                {"at": NOW},
            )
            for key in ("plan:7:2026-12-01", "readiness:3:2026-W49", "pair-lonely:3:week:2026-W49", "cmd:x"):
                await conn.execute(
                    text("INSERT INTO delivery (space_id, key, created_at) VALUES (1, :key, :at)"),
                    {"key": key, "at": NOW},
                )
        await upgrade(db, "0012_daily_claims")
        async with db.unit() as s:
            moved = set((await s.execute(select(DailyClaim.kind, DailyClaim.key))).tuples())
            assert moved == {
                ("plan", "7:2026-12-01"),
                ("readiness", "3:2026-W49"),
                ("pair-lonely", "3:week:2026-W49"),
            }
        await upgrade(db)  # 0018 marks what was claimed before it as sent
        async with db.unit() as s:
            # Claimed again after the upgrade: the plan already sent is not sent twice.
            assert not await claim_daily(s, space_id=1, kind=DailyKind.PLAN, key="7:2026-12-01", at=NOW)
            later = NOW + dt.timedelta(hours=1)
            assert (
                await take_daily_send(
                    s,
                    space_id=1,
                    kind=DailyKind.PLAN,
                    key="7:2026-12-01",
                    now=later,
                    until=later + dt.timedelta(seconds=20),
                    attempts=5,
                )
                is None
            )
            assert await claim_daily(s, space_id=1, kind=DailyKind.PLAN, key="7:2026-12-02", at=NOW)
        await downgrade(db, "0011_loop")
        async with db.engine.connect() as conn:
            keys = set((await conn.execute(text("SELECT key FROM delivery"))).scalars())
        assert keys == {
            "plan:7:2026-12-01",
            "plan:7:2026-12-02",
            "readiness:3:2026-W49",
            "pair-lonely:3:week:2026-W49",
            "cmd:x",
        }
    finally:
        await db.dispose()
