"""Mock-interview pairing: opt-ins, weekly rounds, seats and feedback."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field

from bot.store.enums import RoundStatus
from bot.store.models.base import Table, utc_now


class PairingOptIn(Table, table=True):
    """A member who wants mock-interview pairing in a channel."""

    __table_args__ = (UniqueConstraint("channel_id", "member_id", name="uq_pairing_channel_member"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    created_at: dt.datetime = Field(default_factory=utc_now)


class PairingRound(Table, table=True):
    """One pairing round in a channel, claimed by (channel, round key) before anyone is told.

    The key is the channel-local ISO week (``week:2026-W03``) for the weekly draw and
    ``/prep pair now`` alike, so a channel has at most one round a week.
    """

    __table_args__ = (UniqueConstraint("channel_id", "round_key", name="uq_pairing_round_key"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    round_key: str = Field(max_length=200)
    status: str = Field(default=RoundStatus.CLAIMED.value, max_length=16)  # a RoundStatus
    created_at: dt.datetime = Field(default_factory=utc_now)
    check_in_at: dt.datetime | None = None
    checked_in_at: dt.datetime | None = None
    # The channel's own count (its first round is 1), for people; ids are shared by every channel.
    number: int | None = None


class PairingSeat(Table, table=True):
    """A member's place in a round: their group and role, and whether their script arrived.

    ``delivered_at`` is set once the script is delivered; ``failure`` holds why the
    last attempt could not arrive (``dm_closed`` …), so the weekly tick does not
    retry it every few seconds while ``/prep pair now`` does. ``lease_until`` belongs
    to whoever is sending the script right now, so two runs never send it twice.
    """

    __table_args__ = (UniqueConstraint("round_id", "member_id", name="uq_pairing_seat_member"),)
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="pairinground.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    group_no: int
    role: str = Field(max_length=16)  # a SeatRole
    delivered_at: dt.datetime | None = None
    failure: str = Field(default="", max_length=32)
    lease_until: dt.datetime | None = None
    # The member's answer to the check-in ("met" or "not_yet"); empty until they answer.
    met: str = Field(default="", max_length=8)


class PairingFeedback(Table, table=True):
    """An interviewer's rating of a candidate on one question of the feedback form."""

    __table_args__ = (
        UniqueConstraint("round_id", "candidate_id", "reviewer_id", "question", name="uq_pairing_feedback"),
    )
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    round_id: int = Field(foreign_key="pairinground.id", index=True)
    candidate_id: int = Field(foreign_key="member.id", index=True)
    reviewer_id: int = Field(foreign_key="member.id")
    question: str = Field(max_length=40)
    rating: int
    created_at: dt.datetime = Field(default_factory=utc_now)


class PairingNote(Table, table=True):
    """The interviewer's written note to a candidate after a mock interview (one per round and pair).

    The interviewer's words for the candidate only: sent to them by direct message, never logged.
    """

    __table_args__ = (UniqueConstraint("round_id", "candidate_id", "reviewer_id", name="uq_pairing_note"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    round_id: int = Field(foreign_key="pairinground.id", index=True)
    candidate_id: int = Field(foreign_key="member.id", index=True)
    reviewer_id: int = Field(foreign_key="member.id")
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utc_now)
    updated_at: dt.datetime = Field(default_factory=utc_now)
