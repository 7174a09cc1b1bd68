"""The draw of one week's pairing round: claimed and seated in one transaction, once.

The round row is claimed against its unique (channel, round key) before any seat
is written, so a racing call, a retry or a second process gets the round already
drawn. The groups come from :mod:`bot.pairing`: members with an interview within
:data:`~bot.pairing.SOON_DAYS` days sit as candidates first, interviewer turns are
shared out, recent pairs are avoided, and each member's answered scenarios are
counted so an interviewer's script can ask them.
"""

from __future__ import annotations

import datetime as dt

from bot.pairing import SOON_DAYS, Candidate, make_groups
from bot.schedule import local_date, utc_offset_hours
from bot.services.context import ServiceContext
from bot.store import pairings as store
from bot.store.enums import SeatRole
from bot.store.models import Channel, Member

# The round's check-in goes out this long after the draw.
CHECK_IN_AFTER = dt.timedelta(days=2)


async def draw(
    ctx: ServiceContext, channel: Channel, round_key: str, now: dt.datetime
) -> tuple[int | None, bool]:
    """Claim and seat the week's round in one transaction: (its id, whether this call drew it).

    The id is None with fewer than two members opted in (no round is claimed, so
    one can still be drawn that week). When another call drew it first, that round
    is returned: a week has one round.
    """
    assert channel.id is not None
    async with ctx.db.unit() as session:
        existing = await store.round_for(session, channel_id=channel.id, round_key=round_key)
        if existing is not None:
            return existing.id, False
        members = await store.opted_in(session, channel_id=channel.id)
        if len(members) < 2:
            return None, False
        round_ = await store.claim_round(
            session,
            space_id=channel.space_id,
            channel_id=channel.id,
            round_key=round_key,
            check_in_at=now + CHECK_IN_AFTER,
        )
        if round_ is None:  # a racing call drew it a moment ago
            raced = await store.round_for(session, channel_id=channel.id, round_key=round_key)
            return (raced.id if raced is not None else None), False
        assert round_.id is not None
        turns = await store.interviewer_turns(session, channel_id=channel.id)
        recent = await store.recent_pairs(session, channel_id=channel.id)
        answered = await store.answered_scenarios(session, member_ids=[m.id for m in members if m.id])
        today = local_date(now, channel.timezone)
        people = [
            Candidate(
                str(m.id),
                utc_offset_hours(now, m.timezone, channel.timezone),
                turns[str(m.id)],
                interview_soon=_soon(m, today),
                answered=len(answered.get(m.id or 0, ())),
            )
            for m in members
        ]
        for number, group in enumerate(make_groups(people, recent_pairs=recent, rng=ctx.rng), start=1):
            for member_id in group.members:
                role = SeatRole.INTERVIEWER if member_id == group.interviewer else SeatRole.CANDIDATE
                await store.add_seat(
                    session, round_id=round_.id, member_id=int(member_id), group_no=number, role=role
                )
        return round_.id, True


def _soon(member: Member, today: dt.date) -> bool:
    """An interview within the next :data:`SOON_DAYS` days: this member needs the candidate's seat."""
    day = member.interview_date
    return day is not None and today <= day <= today + dt.timedelta(days=SOON_DAYS)
