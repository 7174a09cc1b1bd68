"""Token refresh leases and org workspaces: the rows prepbot keeps beside slack_sdk's install tables.

The installation rows themselves are slack_sdk's (``bot/store/models/oauth.py``); these
are the two things its stores do not do: let one replica at a time refresh a token
(:func:`take_lease`), and remember which org a workspace of an org-wide install belongs
to (:func:`remember_team`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.store.models import SlackTeam, TokenLease
from bot.store.sql import insert_ignore


async def take_lease(
    session: AsyncSession, *, key: str, holder: str, now: dt.datetime, until: dt.datetime
) -> bool:
    """Make ``holder`` the one holder of ``key`` until ``until``; False while someone else holds it.

    A new key is an insert the primary key lets through once; an expired lease is taken
    over by one conditional UPDATE, so two replicas racing never both win.
    """
    if await insert_ignore(session, TokenLease, key=key, holder=holder, until=until):
        return True
    result = await session.execute(
        update(TokenLease)
        .where(col(TokenLease.key) == key, col(TokenLease.until) <= now)
        .values(holder=holder, until=until)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release_lease(session: AsyncSession, *, key: str, holder: str) -> None:
    """Give ``key`` back (only ``holder``'s own lease: an expired one taken over stays with its taker)."""
    await session.execute(
        delete(TokenLease).where(col(TokenLease.key) == key, col(TokenLease.holder) == holder)
    )


async def remember_team(
    session: AsyncSession, *, team_id: str, enterprise_id: str, is_enterprise_install: bool
) -> None:
    """Record (or correct) the org of a workspace whose requests named one."""
    if not await insert_ignore(
        session,
        SlackTeam,
        team_id=team_id,
        enterprise_id=enterprise_id,
        is_enterprise_install=is_enterprise_install,
    ):
        await session.execute(
            update(SlackTeam)
            .where(col(SlackTeam.team_id) == team_id)
            .values(enterprise_id=enterprise_id, is_enterprise_install=is_enterprise_install)
        )


async def team_org(session: AsyncSession, *, team_id: str) -> tuple[str, bool] | None:
    """(enterprise id, org-wide install?) of a workspace seen in an org, or None."""
    row = (
        await session.execute(
            select(col(SlackTeam.enterprise_id), col(SlackTeam.is_enterprise_install)).where(
                col(SlackTeam.team_id) == team_id
            )
        )
    ).first()
    return (str(row[0]), bool(row[1])) if row else None


async def teams_in_org(session: AsyncSession, *, enterprise_id: str) -> list[str]:
    """The workspaces seen in org ``enterprise_id`` (those an org-wide install or removal covers)."""
    stmt = select(col(SlackTeam.team_id)).where(col(SlackTeam.enterprise_id) == enterprise_id)
    return [str(t) for t in (await session.execute(stmt)).scalars().all()]
