"""A delivery's claim riding with group-committed work (``bot.store.shared``): tickets and their rows.

A call of shared work may come with its delivery's :class:`Ticket`; the batch
records the claim in its own transaction (or statement), so a re-delivery finds it
(:class:`Redelivered`). Here: turning tickets into the rows ``bot.store.claims``
records, finding or making their space's row on first sight.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import SpaceRef
from bot.store.claims import ClaimRow
from bot.store.tenants import ensure_space


class Redelivered(Exception):
    """The call's delivery was claimed before: nothing of it ran (``bot.claims`` says AlreadyHandled)."""


class Later:
    """An item a :attr:`Shared.alone` statement left, with nothing of it written, for ``run``."""


LATER = Later()


@dataclass
class Ticket:
    """A delivery's claim, recorded in the transaction of the work it came with.

    ``space_id`` is the space's row id when known; the batch finds or creates the
    row otherwise and leaves its id here once the transaction has committed.
    """

    space: SpaceRef
    space_id: int | None
    key: str
    at: dt.datetime


def known_claim(ticket: Ticket | None) -> ClaimRow | None:
    """The claim to record for ``ticket``, whose space's row id is known."""
    if ticket is None:
        return None
    assert ticket.space_id is not None
    return (ticket.space_id, *_claim_key(ticket))


def _claim_key(ticket: Ticket) -> tuple[str, dt.datetime]:
    return ticket.key[:200], ticket.at  # the delivery table's key holds 200 characters


async def claim_rows(
    session: AsyncSession, tickets: list[Ticket | None]
) -> list[tuple[ClaimRow | None, int | None]]:
    """Each ticket's claim to record (its space's row id found, or made on first sight) and that id."""
    spaces: dict[tuple[str, str], int] = {}
    for ticket in tickets:
        if ticket is None:
            continue
        where = (ticket.space.platform, ticket.space.id)
        if ticket.space_id is not None:
            spaces[where] = ticket.space_id
        elif where not in spaces:  # first sight of the space in this process
            row = await ensure_space(session, ref=ticket.space)
            assert row.id is not None
            spaces[where] = row.id
    out: list[tuple[ClaimRow | None, int | None]] = []
    for ticket in tickets:
        if ticket is None:
            out.append((None, None))
            continue
        space = spaces[(ticket.space.platform, ticket.space.id)]
        out.append(((space, *_claim_key(ticket)), space))
    return out
