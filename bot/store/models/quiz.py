"""Quiz practice, spaced review, channel challenges, saved questions and content reports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field

from bot.store.models.base import Table, utc_now


class QuizAttempt(Table, table=True):
    """One answer to one presented question; ``token`` names the presentation."""

    __table_args__ = (UniqueConstraint("member_id", "token", name="uq_attempt_member_token"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    item_id: str = Field(max_length=80)
    topic: str = Field(max_length=80)
    mode: str = Field(max_length=16)  # a QuizMode
    token: str = Field(max_length=80)
    correct: bool
    created_at: dt.datetime = Field(default_factory=utc_now, index=True)


class QuizPresentation(Table, table=True):
    """One question shown to one member (practice or review); answers must name its token.

    Kept apart from attempts because "seen" starts when a question is shown, not
    when it is answered: no repeats until every item of a topic was shown.
    """

    __table_args__ = (UniqueConstraint("member_id", "token", name="uq_presentation_member_token"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    token: str = Field(max_length=80)
    item_id: str = Field(max_length=80)
    topic: str = Field(max_length=80)
    mode: str = Field(max_length=16)  # a QuizMode
    created_at: dt.datetime = Field(default_factory=utc_now)


class ReviewCard(Table, table=True):
    """Spaced-repetition state of one item for one member (FSRS; see ``bot.memory``)."""

    __table_args__ = (UniqueConstraint("member_id", "item_id", name="uq_review_member_item"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    item_id: str = Field(max_length=80)
    state: int = 1  # FSRS: 1 learning, 2 review, 3 relearning
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    last_review: dt.datetime | None = None
    lapses: int = 0
    reps: int = 0
    due_at: dt.datetime = Field(default_factory=utc_now, index=True)
    updated_at: dt.datetime = Field(default_factory=utc_now)


class ReviewLog(Table, table=True):
    """Every graded answer to a carded item, kept so FSRS parameters can be refitted later.

    ``token`` is the answer's own (its ``QuizAttempt`` token), so a log is written once.
    """

    __table_args__ = (UniqueConstraint("member_id", "token", name="uq_reviewlog_member_token"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    item_id: str = Field(max_length=80)
    rating: int  # FSRS rating: 1 Again (wrong), 3 Good (right)
    mode: str = Field(max_length=16)  # a QuizMode
    token: str = Field(max_length=80)
    reviewed_at: dt.datetime = Field(default_factory=utc_now)


class Challenge(Table, table=True):
    """A timed round for a channel; ``active_slot`` is 1 while running, so one runs at a time."""

    __table_args__ = (UniqueConstraint("channel_id", "active_slot", name="uq_challenge_active"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    started_by: int = Field(foreign_key="member.id")
    topic: str | None = Field(default=None, max_length=80)
    rounds: int = 5
    active_slot: int | None = 1
    delivery_key: str | None = Field(default=None, max_length=200)
    created_at: dt.datetime = Field(default_factory=utc_now)
    last_activity_at: dt.datetime = Field(default_factory=utc_now)
    ended_at: dt.datetime | None = None


class ChallengeRound(Table, table=True):
    """One question of a challenge; the winner is set once, by an atomic conditional update.

    Its question is posted under a lease (``post_lease_until``, ``post_attempts``):
    until ``posted_at`` is set nobody has seen it, so it is neither timed out nor
    answered; ``started_at`` then moves to the moment it was posted.
    """

    __table_args__ = (UniqueConstraint("challenge_id", "round_no", name="uq_round_challenge_no"),)
    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    round_no: int
    item_id: str = Field(max_length=80)
    started_at: dt.datetime = Field(default_factory=utc_now)
    message_id: str | None = Field(default=None, max_length=64)
    winner_id: int | None = Field(default=None, foreign_key="member.id")
    won_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    posted_at: dt.datetime | None = None
    post_lease_until: dt.datetime | None = None
    post_attempts: int = 0


class SavedQuestion(Table, table=True):
    """A question to ask an interviewer that a member saved to their plan."""

    __table_args__ = (UniqueConstraint("member_id", "item_id", name="uq_saved_question_member_item"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    item_id: str = Field(max_length=80)
    created_at: dt.datetime = Field(default_factory=utc_now)


class Report(Table, table=True):
    """A member's report of a problem with one content item (``/prep quiz``'s Report button).

    One row per member and item: reporting again updates the note and reopens a
    resolved report. Open while ``resolved_at`` is NULL; an open report keeps the
    item out of its space's challenges. ``note`` is the member's own words: shown
    only to the operator (``prepbot content reports``), never logged.
    """

    __table_args__ = (UniqueConstraint("member_id", "pack_id", "item_id", name="uq_report_member_item"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    pack_id: str = Field(max_length=80)
    item_id: str = Field(max_length=80, index=True)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utc_now)
    updated_at: dt.datetime = Field(default_factory=utc_now)
    resolved_at: dt.datetime | None = None


class MemberPlan(Table, table=True):
    """A member's plan for one local day, computed once: asking again that day shows the same plan.

    ``reviews`` are item ids (comma-separated), the day's capped review list in
    order of risk for the interview; ``due`` is how many were due when it was made.
    """

    __table_args__ = (UniqueConstraint("member_id", "day", name="uq_memberplan_member_day"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    day: dt.date
    weakest: str = Field(max_length=80)
    story_id: str = Field(default="", max_length=80)
    ask_id: str = Field(default="", max_length=80)
    reviews: str = Field(default="", sa_column=Column(Text, nullable=False))
    due: int = 0
    created_at: dt.datetime = Field(default_factory=utc_now)
