"""A space's life: marked removed when the app leaves it, unmarked when it comes back."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.domain import SpaceRef
from bot.store.models import Space
from bot.store.tenants import ensure_space


async def mark_removed(session: AsyncSession, *, ref: SpaceRef, at: dt.datetime) -> None:
    """Set ``uninstalled_at`` (kept at the first removal: a repeated event does not restart the window)."""
    space = await ensure_space(session, ref=ref)
    await session.execute(
        update(Space)
        .where(col(Space.id) == space.id, col(Space.uninstalled_at).is_(None))
        .values(uninstalled_at=at)
    )


async def mark_installed(session: AsyncSession, *, ref: SpaceRef) -> None:
    """Clear ``uninstalled_at``: the space's schedules run again, its data is kept."""
    space = await ensure_space(session, ref=ref)
    await session.execute(update(Space).where(col(Space.id) == space.id).values(uninstalled_at=None))


async def removed_at(session: AsyncSession, *, ref: SpaceRef) -> dt.datetime | None:
    """When the app was removed from ``ref`` (None: installed, or never seen)."""
    stmt = select(col(Space.uninstalled_at)).where(
        col(Space.platform) == ref.platform, col(Space.external_id) == ref.id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def installed() -> ColumnElement[bool]:
    """The condition on a joined ``Space`` row: the app is installed there."""
    return col(Space.uninstalled_at).is_(None)


def installed_spaces() -> Select[tuple[int | None]]:
    """The ids of spaces the app is installed in: scheduled queries keep to these."""
    return select(col(Space.id)).where(col(Space.uninstalled_at).is_(None))
