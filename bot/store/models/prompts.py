"""Culture prompts: posts, answers and their parts, votes, notices, late answers, the points ledger."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field

from bot.store.enums import PromptStatus
from bot.store.models.base import Table, utc_now


class PromptPost(Table, table=True):
    """A culture scenario posted to a channel.

    A scheduled post is claimed by (channel, local date) before it is sent; an
    admin's extra post by (channel, delivery key). Either key is NULL for the
    other kind, and NULLs never collide in a unique index.
    """

    __table_args__ = (
        UniqueConstraint("channel_id", "local_date", name="uq_prompt_channel_date"),
        UniqueConstraint("channel_id", "delivery_key", name="uq_prompt_channel_delivery"),
    )
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    scenario_id: str = Field(max_length=80)
    local_date: dt.date | None = None
    delivery_key: str | None = Field(default=None, max_length=200)
    status: str = Field(default=PromptStatus.CLAIMED.value, max_length=16, index=True)  # a PromptStatus
    message_id: str | None = Field(default=None, max_length=64, index=True)
    reason: str = Field(default="", max_length=300)
    focus: str = Field(default="", max_length=300)
    created_at: dt.datetime = Field(default_factory=utc_now)
    posted_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    reminded_at: dt.datetime | None = None
    revealed_at: dt.datetime | None = None
    # Whoever sends the post (or the digest) holds this lease; an expired lease means
    # that process died mid-send and another may retry, so no claim is forgotten.
    lease_until: dt.datetime | None = None
    attempts: int = 0


class Answer(Table, table=True):
    """One member's answer to one prompt: the sum of their replies in its thread."""

    __table_args__ = (UniqueConstraint("prompt_id", "member_id", name="uq_answer_prompt_member"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    prompt_id: int = Field(foreign_key="promptpost.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    # Set at the reveal when this answer was the top answer with votes from two members or more.
    crowned: bool = False
    created_at: dt.datetime = Field(default_factory=utc_now)
    # Set when the author was told, once, that the answer is frozen (revealed) or at its bounds.
    frozen_told_at: dt.datetime | None = None
    capped_told_at: dt.datetime | None = None


class AnswerPart(Table, table=True):
    """One reply message; one row per platform message id."""

    __table_args__ = (UniqueConstraint("prompt_id", "message_id", name="uq_part_prompt_message"),)
    id: int | None = Field(default=None, primary_key=True)
    answer_id: int = Field(foreign_key="answer.id", index=True)
    prompt_id: int = Field(foreign_key="promptpost.id", index=True)
    message_id: str = Field(max_length=64, index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utc_now)
    updated_at: dt.datetime = Field(default_factory=utc_now)


class Vote(Table, table=True):
    """One member's vote for one answer.

    ``slot`` is which of the voter's few votes on the prompt this is (1..budget):
    the unique (prompt, voter, slot) key keeps a voter within their budget even
    when two presses race.
    """

    __table_args__ = (
        UniqueConstraint("answer_id", "voter_id", name="uq_vote_answer_voter"),
        UniqueConstraint("prompt_id", "voter_id", "slot", name="uq_vote_prompt_voter_slot"),
    )
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    prompt_id: int = Field(foreign_key="promptpost.id", index=True)
    answer_id: int = Field(foreign_key="answer.id", index=True)
    voter_id: int = Field(foreign_key="member.id", index=True)
    slot: int = 1
    created_at: dt.datetime = Field(default_factory=utc_now)


class PromptNotice(Table, table=True):
    """One private notice about a prompt sent to one member, at most once per kind.

    Kinds: ``new-answers`` (answers arrived after they voted), ``vote-nudge``,
    ``answer-reminder``, ``comment-hint``, ``late-answer``. The row is claimed
    before the message is sent, so a retried tick never sends it twice.
    """

    __table_args__ = (
        UniqueConstraint("prompt_id", "member_id", "kind", name="uq_notice_prompt_member_kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    prompt_id: int = Field(foreign_key="promptpost.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    kind: str = Field(max_length=24)  # a NoticeKind
    created_at: dt.datetime = Field(default_factory=utc_now)


class LateAnswer(Table, table=True):
    """A reply in a prompt's thread after its reveal: kept for its author's prep document, never scored."""

    __table_args__ = (UniqueConstraint("prompt_id", "message_id", name="uq_late_prompt_message"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    prompt_id: int = Field(foreign_key="promptpost.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    message_id: str = Field(max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utc_now)


class PointEvent(Table, table=True):
    """The points ledger: each award has a key, so an award is written once."""

    __table_args__ = (UniqueConstraint("space_id", "event_key", name="uq_points_space_key"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    points: int
    reason: str = Field(max_length=32)
    event_key: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utc_now, index=True)


class MemberDay(Table, table=True):
    """Running totals per (space, member, UTC day): what the leaderboard and stats read.

    Kept by the store functions that write the ledger and the votes, by atomic
    increments in the same transaction, so a board costs the same after a year as
    after a week. ``awards`` counts ledger rows (a member with awards summing to 0
    still shows); ``votes`` counts votes received on the member's answers.
    """

    __table_args__ = (Index("ix_memberday_space_day", "space_id", "day"),)
    space_id: int = Field(foreign_key="space.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    day: dt.date = Field(primary_key=True)
    points: int = 0
    awards: int = 0
    votes: int = 0


class MemberTotal(Table, table=True):
    """The all-time sums of ``MemberDay`` per (space, member), kept by the same increments.

    ``/prep leaderboard all`` and ``/prep stats`` read a row per member, however long the history.
    """

    space_id: int = Field(foreign_key="space.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    points: int = 0
    awards: int = 0
    votes: int = 0
