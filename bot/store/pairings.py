"""Repository for mock-interview pairing: opt-ins, rounds, seats and the check-ins' timing.

What members say after a round (check-in answers, ratings, notes) is in
:mod:`bot.store.pairing_feedback`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from sqlalchemy import delete, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.store.enums import SeatRole
from bot.store.lifecycle import installed_spaces
from bot.store.models import (
    Answer,
    Channel,
    Member,
    PairingOptIn,
    PairingRound,
    PairingSeat,
    PromptPost,
    Space,
)
from bot.store.sql import insert_ignore, scalar_first

RECENT_ROUNDS = 3


async def toggle_opt_in(session: AsyncSession, *, space_id: int, channel_id: int, member_id: int) -> bool:
    """Opt the member in, or out when they already were; True when now opted in."""
    if await insert_ignore(
        session, PairingOptIn, space_id=space_id, channel_id=channel_id, member_id=member_id
    ):
        return True
    await session.execute(
        delete(PairingOptIn).where(
            col(PairingOptIn.channel_id) == channel_id, col(PairingOptIn.member_id) == member_id
        )
    )
    return False


async def opted_in(session: AsyncSession, *, channel_id: int) -> list[Member]:
    stmt = (
        select(Member)
        .join(PairingOptIn, col(PairingOptIn.member_id) == col(Member.id))
        .where(col(PairingOptIn.channel_id) == channel_id)
        .order_by(col(Member.id))
    )
    return list((await session.execute(stmt)).scalars().all())


async def pairing_channels(session: AsyncSession) -> list[tuple[Channel, Space]]:
    """Channels where at least one member opted in (every space: the scheduler serves them all)."""
    has_opt_in = select(col(PairingOptIn.channel_id)).distinct()
    stmt = (
        select(Channel, Space)
        .join(Space, col(Space.id) == col(Channel.space_id))
        .where(col(Channel.id).in_(has_opt_in), col(Space.uninstalled_at).is_(None))
        .order_by(col(Channel.id))
    )
    return [(c, s) for c, s in (await session.execute(stmt)).all()]


async def claim_round(
    session: AsyncSession, *, space_id: int, channel_id: int, round_key: str, check_in_at: dt.datetime
) -> PairingRound | None:
    """Claim the round named ``round_key``; None when another call already did.

    The round gets the channel's next number (its first round is 1).
    """
    count = select(func.count()).select_from(PairingRound).where(col(PairingRound.channel_id) == channel_id)
    number = int((await session.execute(count)).scalar_one()) + 1
    inserted = await insert_ignore(
        session,
        PairingRound,
        space_id=space_id,
        channel_id=channel_id,
        round_key=round_key[:200],
        check_in_at=check_in_at,
        number=number,
    )
    if not inserted:
        return None
    stmt = select(PairingRound).where(
        col(PairingRound.channel_id) == channel_id, col(PairingRound.round_key) == round_key[:200]
    )
    return await scalar_first(session, stmt)


async def round_for(session: AsyncSession, *, channel_id: int, round_key: str) -> PairingRound | None:
    """The channel's round named ``round_key`` (its week), if it was drawn."""
    stmt = select(PairingRound).where(
        col(PairingRound.channel_id) == channel_id, col(PairingRound.round_key) == round_key[:200]
    )
    return await scalar_first(session, stmt)


async def take_seat(
    session: AsyncSession, *, seat_id: int, now: dt.datetime, until: dt.datetime, retry_failed: bool
) -> bool:
    """Atomically become the one sender of a seat's undelivered script.

    A seat whose last attempt failed for good (closed DMs) is only taken when
    ``retry_failed`` (someone asked, with ``/prep pair now``); a lease left by a
    process that died mid-send expires and is taken over.
    """
    conditions = [
        col(PairingSeat.id) == seat_id,
        col(PairingSeat.delivered_at).is_(None),
        or_(col(PairingSeat.lease_until).is_(None), col(PairingSeat.lease_until) < now),
    ]
    if not retry_failed:
        conditions.append(col(PairingSeat.failure) == "")
    result = await session.execute(update(PairingSeat).where(*conditions).values(lease_until=until))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def seat_sent(
    session: AsyncSession, *, seat_id: int, at: dt.datetime | None, failure: str = ""
) -> None:
    """Record a script's fate: delivered ``at``, or ``failure`` (the reason it could not arrive)."""
    await session.execute(
        update(PairingSeat)
        .where(col(PairingSeat.id) == seat_id)
        .values(delivered_at=at, failure=failure[:32], lease_until=None)
    )


async def recent_pairs(session: AsyncSession, *, channel_id: int) -> set[frozenset[str]]:
    """Pairs of member ids (as strings) who met in the channel's last few rounds."""
    rounds = (
        select(col(PairingRound.id))
        .where(col(PairingRound.channel_id) == channel_id)
        .order_by(col(PairingRound.id).desc())
        .limit(RECENT_ROUNDS)
    )
    stmt = select(col(PairingSeat.round_id), col(PairingSeat.group_no), col(PairingSeat.member_id)).where(
        col(PairingSeat.round_id).in_(rounds)
    )
    groups: dict[tuple[int, int], list[str]] = defaultdict(list)
    for round_id, group_no, member_id in (await session.execute(stmt)).all():
        groups[(round_id, group_no)].append(str(member_id))
    return {frozenset((a, b)) for members in groups.values() for a in members for b in members if a < b}


async def interviewer_turns(session: AsyncSession, *, channel_id: int) -> Counter[str]:
    stmt = (
        select(col(PairingSeat.member_id), func.count())
        .join(PairingRound, col(PairingRound.id) == col(PairingSeat.round_id))
        .where(col(PairingRound.channel_id) == channel_id, col(PairingSeat.role) == SeatRole.INTERVIEWER)
        .group_by(col(PairingSeat.member_id))
    )
    return Counter({str(m): int(n) for m, n in (await session.execute(stmt)).all()})


async def add_seat(
    session: AsyncSession, *, round_id: int, member_id: int, group_no: int, role: SeatRole
) -> None:
    """Seat a member in a round just claimed (in the claim's transaction: a round is never half-seated)."""
    session.add(PairingSeat(round_id=round_id, member_id=member_id, group_no=group_no, role=role))


async def seats(session: AsyncSession, *, round_id: int) -> list[tuple[PairingSeat, Member]]:
    stmt = (
        select(PairingSeat, Member)
        .join(Member, col(Member.id) == col(PairingSeat.member_id))
        .where(col(PairingSeat.round_id) == round_id)
        .order_by(col(PairingSeat.group_no), col(PairingSeat.role).desc(), col(Member.id))
    )
    return [(s, m) for s, m in (await session.execute(stmt)).all()]


async def take_check_in(session: AsyncSession, *, now: dt.datetime) -> list[PairingRound]:
    """Rounds whose check-in is due, each taken by exactly one caller."""
    stmt = (
        select(PairingRound)
        .where(col(PairingRound.checked_in_at).is_(None), col(PairingRound.check_in_at) <= now)
        .where(col(PairingRound.space_id).in_(installed_spaces()))
    )
    taken = []
    for round_ in (await session.execute(stmt)).scalars().all():
        result = await session.execute(
            update(PairingRound)
            .where(col(PairingRound.id) == round_.id, col(PairingRound.checked_in_at).is_(None))
            .values(checked_in_at=now)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            taken.append(round_)
    return taken


async def answered_scenarios(session: AsyncSession, *, member_ids: list[int]) -> dict[int, set[str]]:
    """The culture scenarios each member has answered (in any channel of their space)."""
    stmt = (
        select(col(Answer.member_id), col(PromptPost.scenario_id))
        .join(PromptPost, col(PromptPost.id) == col(Answer.prompt_id))
        .where(col(Answer.member_id).in_(member_ids))
        .distinct()
    )
    found: dict[int, set[str]] = defaultdict(set)
    for member_id, scenario_id in (await session.execute(stmt)).all():
        found[int(member_id)].add(scenario_id)
    return found


async def get_round(session: AsyncSession, *, round_id: int) -> PairingRound | None:
    return await session.get(PairingRound, round_id)
