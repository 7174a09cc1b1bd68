"""Channel challenges: one running per channel, rounds won once, by atomic conditional updates.

Who wins a round, who times it out and who ends a challenge is decided by an
``UPDATE … WHERE <still open>`` and its row count, never by reading first:
two members answering in the same instant, or two replicas ticking together,
leave exactly one of them holding the row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, String, and_, case, cast, func, literal, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.store import refs
from bot.store.enums import QuizMode
from bot.store.lifecycle import installed_spaces
from bot.store.models import Challenge, ChallengeRound, Channel, Member, QuizAttempt, Space
from bot.store.sql import insert_ignore, scalar_first, scalar_one


def round_key(challenge_id: int, round_no: int) -> str:
    """The ledger key of a round's points: one award per round, whoever tries to write it."""
    return f"challenge:{challenge_id}:round:{round_no}"


async def start(
    session: AsyncSession,
    *,
    space_id: int,
    channel_id: int,
    member_id: int,
    topic: str | None,
    rounds: int,
    delivery_key: str,
    at: dt.datetime,
) -> Challenge | None:
    """Claim the channel's one active slot; None when a challenge already runs there."""
    claimed = await insert_ignore(
        session,
        Challenge,
        space_id=space_id,
        channel_id=channel_id,
        started_by=member_id,
        topic=topic,
        rounds=rounds,
        active_slot=1,
        delivery_key=delivery_key,
        created_at=at,
        last_activity_at=at,
    )
    return await active_in(session, channel_id=channel_id) if claimed else None


async def active_in(session: AsyncSession, *, channel_id: int) -> Challenge | None:
    stmt = select(Challenge).where(col(Challenge.channel_id) == channel_id, col(Challenge.active_slot) == 1)
    return await scalar_first(session, stmt)


async def all_active(session: AsyncSession) -> list[Challenge]:
    """Every running challenge, for the clock's timeouts (each is then handled on its own)."""
    stmt = (
        select(Challenge)
        .where(col(Challenge.active_slot) == 1, col(Challenge.space_id).in_(installed_spaces()))
        .order_by(col(Challenge.id))
    )
    return list((await session.execute(stmt)).scalars().all())


async def get(session: AsyncSession, *, challenge_id: int) -> Challenge | None:
    return await scalar_first(session, select(Challenge).where(col(Challenge.id) == challenge_id))


async def add_round(
    session: AsyncSession,
    *,
    challenge_id: int,
    round_no: int,
    item_id: str,
    at: dt.datetime,
    lease: dt.timedelta,
) -> ChallengeRound | None:
    """Open round ``round_no``, its first post leased to the caller; None when someone else opened it."""
    opened = await insert_ignore(
        session,
        ChallengeRound,
        challenge_id=challenge_id,
        round_no=round_no,
        item_id=item_id,
        started_at=at,
        post_lease_until=at + lease,
        post_attempts=1,
    )
    if not opened:
        return None
    stmt = select(ChallengeRound).where(
        col(ChallengeRound.challenge_id) == challenge_id, col(ChallengeRound.round_no) == round_no
    )
    return await scalar_one(session, stmt)


async def rounds_of(session: AsyncSession, *, challenge_id: int) -> list[ChallengeRound]:
    stmt = (
        select(ChallengeRound)
        .where(col(ChallengeRound.challenge_id) == challenge_id)
        .order_by(col(ChallengeRound.round_no))
    )
    return list((await session.execute(stmt)).scalars().all())


async def get_round(session: AsyncSession, *, round_id: int) -> ChallengeRound | None:
    return await scalar_first(session, select(ChallengeRound).where(col(ChallengeRound.id) == round_id))


def _unposted(round_id: int) -> ColumnElement[bool]:
    return and_(col(ChallengeRound.id) == round_id, col(ChallengeRound.posted_at).is_(None))


async def take_post(
    session: AsyncSession, *, round_id: int, now: dt.datetime, until: dt.datetime, attempts: int
) -> int | None:
    """Hold the retry of an unposted open round's question until ``until``; this attempt's number.

    None when it was posted or closed, ``attempts`` were used, or another poster (or a
    failed post's back-off) holds it: one conditional UPDATE, so two ticks never both post.
    """
    taken = await session.execute(
        update(ChallengeRound)
        .where(
            _unposted(round_id),
            col(ChallengeRound.closed_at).is_(None),
            col(ChallengeRound.post_attempts) < attempts,
            or_(
                col(ChallengeRound.post_lease_until).is_(None),
                col(ChallengeRound.post_lease_until) <= now,
            ),
        )
        .values(post_lease_until=until, post_attempts=col(ChallengeRound.post_attempts) + 1)
    )
    if not taken.rowcount:  # type: ignore[attr-defined]
        return None
    stmt = select(col(ChallengeRound.post_attempts)).where(col(ChallengeRound.id) == round_id)
    return int((await session.execute(stmt)).scalar_one())


async def renew_post(
    session: AsyncSession, *, round_id: int, held_until: dt.datetime, until: dt.datetime
) -> bool:
    """Take (right before posting) or extend (while posting) the post lease held as ``held_until``.

    Only while the round is open and unposted and its challenge runs: after a tick took an
    expired lease over, a stop, or a give-up, the one-time holder gets False and must not post.
    """
    running = select(col(Challenge.id)).where(
        col(Challenge.id) == col(ChallengeRound.challenge_id), col(Challenge.active_slot).is_not(None)
    )
    result = await session.execute(
        update(ChallengeRound)
        .where(
            _unposted(round_id),
            col(ChallengeRound.closed_at).is_(None),
            col(ChallengeRound.post_lease_until) == held_until,
            running.exists(),
        )
        .values(post_lease_until=until)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_posted(session: AsyncSession, *, round_id: int, message_id: str, at: dt.datetime) -> None:
    """The question arrived at ``at``: the round's clock starts now (unless it was closed meanwhile)."""
    started = case((col(ChallengeRound.closed_at).is_(None), at), else_=col(ChallengeRound.started_at))
    await session.execute(
        update(ChallengeRound)
        .where(_unposted(round_id))
        .values(message_id=message_id, posted_at=at, started_at=started, post_lease_until=None)
    )


async def post_failed(
    session: AsyncSession, *, round_id: int, held_until: dt.datetime, retry_at: dt.datetime
) -> bool:
    """A post did not arrive: the next retry may be taken from ``retry_at``.

    Only while the failed poster still holds the lease (``held_until``): one whose lease ran
    out must not move a lease another poster now holds. False when it no longer held it.
    """
    result = await session.execute(
        update(ChallengeRound)
        .where(_unposted(round_id), col(ChallengeRound.post_lease_until) == held_until)
        .values(post_lease_until=retry_at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim_win(session: AsyncSession, *, round_id: int, member_id: int, at: dt.datetime) -> bool:
    """Make ``member_id`` the round's winner unless it has one or is closed; True for the winner."""
    result = await session.execute(
        update(ChallengeRound)
        .where(
            col(ChallengeRound.id) == round_id,
            col(ChallengeRound.winner_id).is_(None),
            col(ChallengeRound.closed_at).is_(None),
        )
        .values(winner_id=member_id, won_at=at, closed_at=at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def close_round(session: AsyncSession, *, round_id: int, at: dt.datetime) -> bool:
    """Close a round without a winner (time's up, or stopped); True for the one closer."""
    result = await session.execute(
        update(ChallengeRound)
        .where(col(ChallengeRound.id) == round_id, col(ChallengeRound.closed_at).is_(None))
        .values(closed_at=at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def finish(session: AsyncSession, *, challenge_id: int, at: dt.datetime) -> bool:
    """Free the channel's slot; True for the one caller that ended it."""
    result = await session.execute(
        update(Challenge)
        .where(col(Challenge.id) == challenge_id, col(Challenge.active_slot).is_not(None))
        .values(active_slot=None, ended_at=at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def touch(session: AsyncSession, *, challenge_id: int, at: dt.datetime) -> None:
    """Someone is playing: push back the idle stop."""
    await session.execute(
        update(Challenge)
        .where(col(Challenge.id) == challenge_id, col(Challenge.last_activity_at) < at)
        .values(last_activity_at=at)
    )


async def member_name(session: AsyncSession, *, member_id: int) -> str:
    member = await scalar_one(session, select(Member).where(col(Member.id) == member_id))
    return member.display_name or member.external_id


async def member_ref(session: AsyncSession, *, member_id: int, space: SpaceRef) -> MemberRef:
    """The platform reference of a member (a challenge's starter, to tell them directly)."""
    member = await scalar_one(session, select(Member).where(col(Member.id) == member_id))
    return refs.member_ref(member, space)


async def channel_ref(session: AsyncSession, *, channel_id: int) -> ChannelRef:
    """The platform reference of a stored channel, to post to it from the clock."""
    stmt = select(Channel, Space).join(Space, col(Space.id) == col(Channel.space_id))
    channel, space = (await session.execute(stmt.where(col(Channel.id) == channel_id))).one()
    return refs.channel_ref(channel, space)


async def winner_name(session: AsyncSession, *, round_id: int) -> str | None:
    """Who won the round, read fresh (the winner may have committed a moment ago)."""
    stmt = (
        select(col(Member.display_name), col(Member.external_id))
        .join(ChallengeRound, col(ChallengeRound.winner_id) == col(Member.id))
        .where(col(ChallengeRound.id) == round_id)
    )
    row = (await session.execute(stmt)).first()
    return (row[0] or row[1]) if row else None


async def wins(
    session: AsyncSession, *, challenge_id: int
) -> list[tuple[int, int, str, dt.datetime, dt.datetime]]:
    """(round number, winner id, winner name, round start, win time) of each won round."""
    stmt = (
        select(ChallengeRound, Member)
        .join(Member, col(Member.id) == col(ChallengeRound.winner_id))
        .where(col(ChallengeRound.challenge_id) == challenge_id, col(ChallengeRound.won_at).is_not(None))
        .order_by(col(ChallengeRound.round_no))
    )
    return [
        (rnd.round_no, member.id or 0, member.display_name or member.external_id, rnd.started_at, rnd.won_at)
        for rnd, member in (await session.execute(stmt)).all()
        if rnd.won_at is not None
    ]


async def players(session: AsyncSession, *, challenge_id: int) -> int:
    """How many members answered any round of the challenge (right or wrong)."""
    tokens = select(literal("challenge:") + cast(col(ChallengeRound.id), String)).where(
        col(ChallengeRound.challenge_id) == challenge_id
    )
    stmt = select(func.count(col(QuizAttempt.member_id).distinct())).where(
        col(QuizAttempt.mode) == QuizMode.CHALLENGE, col(QuizAttempt.token).in_(tokens)
    )
    return int((await session.execute(stmt)).scalar_one())
