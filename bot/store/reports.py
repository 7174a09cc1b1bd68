"""Problem reports on content items: one per member and item, open until an operator resolves it.

Saving is an insert on the (member, pack, item) key, then an update when the
member had reported the item before, so a double click or a retried submit
leaves one row. Notes are members' words: nothing here logs them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.store.models import Report, Space
from bot.store.sql import insert_ignore

OPENED = "opened"
UPDATED = "updated"


@dataclass(frozen=True)
class OpenReport:
    """One open report as the operator sees it: where it came from, the note, when."""

    pack_id: str
    item_id: str
    note: str
    created_at: dt.datetime
    updated_at: dt.datetime
    space: str


async def save_report(
    session: AsyncSession,
    *,
    space_id: int,
    member_id: int,
    pack_id: str,
    item_id: str,
    note: str,
    at: dt.datetime,
) -> str:
    """Open the member's report on an item, or update it; returns ``"opened"`` or ``"updated"``.

    A report the operator had resolved is opened again. An empty ``note`` keeps
    the note given before.
    """
    inserted = await insert_ignore(
        session,
        Report,
        space_id=space_id,
        member_id=member_id,
        pack_id=pack_id,
        item_id=item_id,
        note=note,
        created_at=at,
        updated_at=at,
    )
    if inserted:
        return OPENED
    changes: dict[str, Any] = {"updated_at": at, "resolved_at": None}
    if note:
        changes["note"] = note
    mine = (
        col(Report.member_id) == member_id,
        col(Report.pack_id) == pack_id,
        col(Report.item_id) == item_id,
    )
    reopened = await session.execute(
        update(Report).where(*mine, col(Report.resolved_at).is_not(None)).values(**changes)
    )
    if reopened.rowcount:  # type: ignore[attr-defined]
        return OPENED
    await session.execute(update(Report).where(*mine).values(**changes))
    return UPDATED


async def open_items(session: AsyncSession, *, space_id: int, pack_id: str) -> set[str]:
    """Items of ``pack_id`` with an open report in this space (kept out of its challenges)."""
    stmt = (
        select(col(Report.item_id))
        .where(
            col(Report.space_id) == space_id,
            col(Report.pack_id) == pack_id,
            col(Report.resolved_at).is_(None),
        )
        .distinct()
    )
    return set((await session.execute(stmt)).scalars().all())


async def open_reports(session: AsyncSession) -> list[OpenReport]:
    """Every open report in every space, oldest first (for the operator's command line)."""
    stmt = (
        select(Report, Space)
        .join(Space, col(Space.id) == col(Report.space_id))
        .where(col(Report.resolved_at).is_(None))
        .order_by(col(Report.created_at), col(Report.id))
    )
    return [
        OpenReport(
            pack_id=report.pack_id,
            item_id=report.item_id,
            note=report.note,
            created_at=report.created_at,
            updated_at=report.updated_at,
            space=f"{space.platform}:{space.external_id}",
        )
        for report, space in (await session.execute(stmt)).all()
    ]


async def resolve_item(session: AsyncSession, *, item_id: str, at: dt.datetime) -> int:
    """Resolve every open report on ``item_id`` (all spaces); returns how many were open."""
    result = await session.execute(
        update(Report)
        .where(col(Report.item_id) == item_id, col(Report.resolved_at).is_(None))
        .values(resolved_at=at)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
