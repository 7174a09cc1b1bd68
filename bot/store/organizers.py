"""Channel organizers: who besides the platform's admins may run a channel's prep."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.store.models import Channel, Member, Organizer, Space
from bot.store.sql import insert_ignore


async def add(
    session: AsyncSession, *, space_id: int, channel_id: int, member_id: int, added_by: int
) -> bool:
    """Name ``member_id`` an organizer of the channel; False when they already were."""
    return await insert_ignore(
        session, Organizer, space_id=space_id, channel_id=channel_id, member_id=member_id, added_by=added_by
    )


async def remove(session: AsyncSession, *, channel_id: int, member_id: int) -> bool:
    """Remove an organizer of the channel; False when they were not one."""
    result = await session.execute(
        delete(Organizer).where(
            col(Organizer.channel_id) == channel_id, col(Organizer.member_id) == member_id
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def of_channel(session: AsyncSession, *, channel_id: int) -> list[Member]:
    """The channel's organizers, in the order they were named."""
    stmt = (
        select(Member)
        .join(Organizer, col(Organizer.member_id) == col(Member.id))
        .where(col(Organizer.channel_id) == channel_id)
        .order_by(col(Organizer.created_at), col(Organizer.id))
    )
    return list((await session.execute(stmt)).scalars().all())


async def is_organizer(
    session: AsyncSession,
    *,
    platform: str,
    space_external_id: str,
    channel_external_id: str,
    member_external_id: str,
) -> bool:
    """Whether the member is an organizer of the channel, by the platform's ids (one query, no writes)."""
    stmt = (
        select(col(Organizer.id))
        .join(Space, col(Space.id) == col(Organizer.space_id))
        .join(Channel, col(Channel.id) == col(Organizer.channel_id))
        .join(Member, col(Member.id) == col(Organizer.member_id))
        .where(
            col(Space.platform) == platform,
            col(Space.external_id) == space_external_id,
            col(Channel.external_id) == channel_external_id,
            col(Member.external_id) == member_external_id,
        )
        .limit(1)
    )
    return (await session.execute(stmt)).first() is not None
