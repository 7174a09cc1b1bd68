"""What a platform's install support needs from prepbot's database, in one transaction each.

The Slack adapter keeps installations in slack_sdk's stores; it comes here for the
two things those stores do not do (``bot.store.oauth``): a short lease so that one
replica at a time refreshes an installation's token, and which Enterprise Grid org
a workspace belongs to (so scheduled work in a workspace of an org-wide install
finds the org's token after a restart).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.services.context import ServiceContext
from bot.store import oauth as store


@asynccontextmanager
async def lease(ctx: ServiceContext, *, key: str, holder: str, length: dt.timedelta) -> AsyncIterator[bool]:
    """Hold ``key`` for the body (True), or yield False while another holder has it.

    The lease is taken and given back in transactions of their own, so the body's
    slow work (a call to the platform) holds no database transaction; a holder that
    dies leaves a lease that expires after ``length``.
    """
    now = ctx.clock.now()
    async with ctx.db.unit() as session:
        held = await store.take_lease(session, key=key, holder=holder, now=now, until=now + length)
    try:
        yield held
    finally:
        if held:
            async with ctx.db.unit() as session:
                await store.release_lease(session, key=key, holder=holder)


async def remember_team(ctx: ServiceContext, *, team_id: str, enterprise_id: str, org_wide: bool) -> None:
    """Record that workspace ``team_id`` belongs to org ``enterprise_id`` (and how it is installed)."""
    async with ctx.db.unit() as session:
        await store.remember_team(
            session, team_id=team_id, enterprise_id=enterprise_id, is_enterprise_install=org_wide
        )


async def team_org(ctx: ServiceContext, *, team_id: str) -> tuple[str, bool] | None:
    """(enterprise id, org-wide install?) of a workspace seen in an org, or None."""
    async with ctx.db.unit() as session:
        return await store.team_org(session, team_id=team_id)


async def teams_in_org(ctx: ServiceContext, *, enterprise_id: str) -> list[str]:
    """The workspaces seen in org ``enterprise_id``."""
    async with ctx.db.unit() as session:
        return await store.teams_in_org(session, enterprise_id=enterprise_id)
