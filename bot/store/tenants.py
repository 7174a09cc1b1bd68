"""Spaces, channels, members and processed deliveries: get-or-create, race-free."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.store.enums import ZoneSource
from bot.store.models import Channel, Delivery, Member, Space
from bot.store.sql import insert_ignore, scalar_one
from bot.zones import known_zone

# Where a member's zone came from (Member.timezone_source).
PROFILE, CHOSEN = ZoneSource.PROFILE, ZoneSource.CHOSEN


async def ensure_space(session: AsyncSession, *, ref: SpaceRef) -> Space:
    """The row for ``ref``, created on first sight (two replicas may race; both get it)."""
    await insert_ignore(session, Space, platform=ref.platform, external_id=ref.id, name=ref.name)
    return await scalar_one(
        session, select(Space).where(Space.platform == ref.platform, Space.external_id == ref.id)
    )


async def ensure_channel(session: AsyncSession, *, ref: ChannelRef) -> Channel:
    space = await ensure_space(session, ref=ref.space)
    assert space.id is not None
    await insert_ignore(session, Channel, space_id=space.id, external_id=ref.id, name=ref.name)
    return await scalar_one(
        session, select(Channel).where(Channel.space_id == space.id, Channel.external_id == ref.id)
    )


async def ensure_member(session: AsyncSession, *, ref: MemberRef) -> Member:
    """The member's row, created on first sight; their name and profile zone kept current.

    A zone the member chose with ``/prep tz`` (source "member") wins over the
    profile's: only a profile-sourced or unset zone follows the platform.
    """
    space = await ensure_space(session, ref=ref.space)
    assert space.id is not None
    profile_zone = known_zone(ref.timezone)
    source = {"timezone": profile_zone, "timezone_source": PROFILE} if profile_zone else {}
    await insert_ignore(
        session, Member, space_id=space.id, external_id=ref.id, display_name=ref.display_name, **source
    )
    member = await scalar_one(
        session, select(Member).where(Member.space_id == space.id, Member.external_id == ref.id)
    )
    changed = False
    if ref.display_name and member.display_name != ref.display_name:
        member.display_name = ref.display_name
        changed = True
    if profile_zone and member.timezone_source != CHOSEN and member.timezone != profile_zone:
        member.timezone, member.timezone_source = profile_zone, PROFILE
        changed = True
    if changed:
        session.add(member)
    return member


async def set_member_zone(
    session: AsyncSession, *, member: Member, zone: str | None, source: str | None
) -> None:
    """Store the member's zone and where it came from (``CHOSEN`` or ``PROFILE``; None clears it)."""
    member.timezone, member.timezone_source = zone, source if zone else None
    session.add(member)


async def find_channel(session: AsyncSession, *, ref: ChannelRef) -> Channel | None:
    """The channel row if prepbot has seen it, without creating anything."""
    stmt = (
        select(Channel)
        .join(Space, Space.id == Channel.space_id)  # type: ignore[arg-type]
        .where(
            Space.platform == ref.space.platform,
            Space.external_id == ref.space.id,
            Channel.external_id == ref.id,
        )
    )
    return (await session.execute(stmt)).scalars().first()


async def claim_delivery(
    session: AsyncSession, *, space_id: int, key: str, at: dt.datetime | None = None
) -> bool:
    """Record that delivery ``key`` is being handled; False when it already was.

    ``at`` is the service clock's time, which housekeeping later prunes by.
    """
    stamp = {"created_at": at} if at is not None else {}
    return await insert_ignore(session, Delivery, space_id=space_id, key=key[:200], **stamp)


async def release_delivery(session: AsyncSession, *, space_id: int, key: str) -> None:
    """Forget delivery ``key``, so a retry of it is handled (its first attempt failed)."""
    await session.execute(
        delete(Delivery).where(col(Delivery.space_id) == space_id, col(Delivery.key) == key[:200])
    )
