"""Every table in one place. Unique keys here are what make effects exactly-once.

Times are timezone-aware UTC; SQLModel's ``UTCDateTime`` keeps them so on both
SQLite and PostgreSQL. Every row belongs to one space, directly or through
its parent, and every repository query filters by it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Space(SQLModel, table=True):
    """A tenant: a Slack team, a Discord guild or a console session."""

    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_space_platform_ext"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    created_at: dt.datetime = Field(default_factory=_now)


class Channel(SQLModel, table=True):
    """A channel, with its daily-prompt schedule in its own IANA time zone."""

    __table_args__ = (UniqueConstraint("space_id", "external_id", name="uq_channel_space_ext"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    external_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    post_time: str | None = Field(default=None, max_length=5)
    weekdays: str = Field(default="0,1,2,3,4,5,6", max_length=20)
    pack_id: str = Field(default="", max_length=80)
    voting_hours: float | None = None
    reminders: bool = False
    pairing_weekday: int | None = None
    # Occurrences before this instant are never posted: setting a schedule at 10:00
    # for 09:00 must not "catch up" on a post nobody asked for.
    schedule_from: dt.datetime | None = None
    # Who last set the schedule: the one person told (once, by direct message) when
    # the channel's posts start failing for good and the schedule pauses itself.
    # use_alter: member.plan_channel_id points back at channel, so the two tables form a
    # cycle that create/drop order can only break with a separately added constraint.
    schedule_set_by: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("member.id", use_alter=True, name="fk_channel_schedule_set_by"), nullable=True
        ),
    )
    # Set when a scheduled post or digest failed for a reason only a person can fix
    # (the bot was removed, the channel archived); ``/prep schedule`` clears it.
    paused_at: dt.datetime | None = None
    paused_reason: str = Field(default="", max_length=32)
    created_at: dt.datetime = Field(default_factory=_now)


class Member(SQLModel, table=True):
    """A person in a space, with what they told prepbot about themselves."""

    __table_args__ = (UniqueConstraint("space_id", "external_id", name="uq_member_space_ext"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    external_id: str = Field(max_length=64)
    display_name: str = Field(default="", max_length=200)
    timezone: str | None = Field(default=None, max_length=64)
    # Where ``timezone`` came from: "profile" (the platform, refreshed as it changes)
    # or "member" (``/prep tz``, which a profile change never overrides).
    timezone_source: str | None = Field(default=None, max_length=16)
    interview_date: dt.date | None = None
    interview_company: str | None = Field(default=None, max_length=80)
    # `/prep reminders on`: a direct message before voting closes on a prompt not yet answered.
    prompt_reminders: bool = False
    plan_channel_id: int | None = Field(default=None, foreign_key="channel.id")
    created_at: dt.datetime = Field(default_factory=_now)


class Delivery(SQLModel, table=True):
    """One processed delivery of one user action; a platform retry finds it and stops."""

    __table_args__ = (UniqueConstraint("space_id", "key", name="uq_delivery_space_key"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    key: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=_now, index=True)


class QuizAttempt(SQLModel, table=True):
    """One answer to one presented question; ``token`` names the presentation."""

    __table_args__ = (UniqueConstraint("member_id", "token", name="uq_attempt_member_token"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    item_id: str = Field(max_length=80)
    topic: str = Field(max_length=80)
    mode: str = Field(max_length=16)
    token: str = Field(max_length=80)
    correct: bool
    created_at: dt.datetime = Field(default_factory=_now, index=True)


class QuizPresentation(SQLModel, table=True):
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
    mode: str = Field(max_length=16)
    created_at: dt.datetime = Field(default_factory=_now)


class ReviewCard(SQLModel, table=True):
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
    due_at: dt.datetime = Field(default_factory=_now, index=True)
    updated_at: dt.datetime = Field(default_factory=_now)


class ReviewLog(SQLModel, table=True):
    """Every graded answer to a carded item, kept so FSRS parameters can be refitted later.

    ``token`` is the answer's own (its ``QuizAttempt`` token), so a log is written once.
    """

    __table_args__ = (UniqueConstraint("member_id", "token", name="uq_reviewlog_member_token"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    item_id: str = Field(max_length=80)
    rating: int  # FSRS rating: 1 Again (wrong), 3 Good (right)
    mode: str = Field(max_length=16)
    token: str = Field(max_length=80)
    reviewed_at: dt.datetime = Field(default_factory=_now)


class Challenge(SQLModel, table=True):
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
    created_at: dt.datetime = Field(default_factory=_now)
    last_activity_at: dt.datetime = Field(default_factory=_now)
    ended_at: dt.datetime | None = None


class ChallengeRound(SQLModel, table=True):
    """One question of a challenge; the winner is set once, by an atomic conditional update."""

    __table_args__ = (UniqueConstraint("challenge_id", "round_no", name="uq_round_challenge_no"),)
    id: int | None = Field(default=None, primary_key=True)
    challenge_id: int = Field(foreign_key="challenge.id", index=True)
    round_no: int
    item_id: str = Field(max_length=80)
    started_at: dt.datetime = Field(default_factory=_now)
    message_id: str | None = Field(default=None, max_length=64)
    winner_id: int | None = Field(default=None, foreign_key="member.id")
    won_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None


class PromptPost(SQLModel, table=True):
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
    status: str = Field(default="claimed", max_length=16, index=True)
    message_id: str | None = Field(default=None, max_length=64, index=True)
    reason: str = Field(default="", max_length=300)
    focus: str = Field(default="", max_length=300)
    created_at: dt.datetime = Field(default_factory=_now)
    posted_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    reminded_at: dt.datetime | None = None
    revealed_at: dt.datetime | None = None
    # Whoever sends the post (or the digest) holds this lease; an expired lease means
    # that process died mid-send and another may retry, so no claim is forgotten.
    lease_until: dt.datetime | None = None
    attempts: int = 0


class Answer(SQLModel, table=True):
    """One member's answer to one prompt: the sum of their replies in its thread."""

    __table_args__ = (UniqueConstraint("prompt_id", "member_id", name="uq_answer_prompt_member"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    prompt_id: int = Field(foreign_key="promptpost.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    # Set at the reveal when this answer was the top answer with votes from two members or more.
    crowned: bool = False
    created_at: dt.datetime = Field(default_factory=_now)
    # Set when the author was told, once, that the answer is frozen (revealed) or at its bounds.
    frozen_told_at: dt.datetime | None = None
    capped_told_at: dt.datetime | None = None


class AnswerPart(SQLModel, table=True):
    """One reply message; one row per platform message id."""

    __table_args__ = (UniqueConstraint("prompt_id", "message_id", name="uq_part_prompt_message"),)
    id: int | None = Field(default=None, primary_key=True)
    answer_id: int = Field(foreign_key="answer.id", index=True)
    prompt_id: int = Field(foreign_key="promptpost.id", index=True)
    message_id: str = Field(max_length=64, index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=_now)
    updated_at: dt.datetime = Field(default_factory=_now)


class Vote(SQLModel, table=True):
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
    created_at: dt.datetime = Field(default_factory=_now)


class PromptNotice(SQLModel, table=True):
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
    kind: str = Field(max_length=24)
    created_at: dt.datetime = Field(default_factory=_now)


class LateAnswer(SQLModel, table=True):
    """A reply in a prompt's thread after its reveal: kept for its author's prep document, never scored."""

    __table_args__ = (UniqueConstraint("prompt_id", "message_id", name="uq_late_prompt_message"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    prompt_id: int = Field(foreign_key="promptpost.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    message_id: str = Field(max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=_now)


class PointEvent(SQLModel, table=True):
    """The points ledger: each award has a key, so an award is written once."""

    __table_args__ = (UniqueConstraint("space_id", "event_key", name="uq_points_space_key"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    points: int
    reason: str = Field(max_length=32)
    event_key: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=_now, index=True)


class PairingOptIn(SQLModel, table=True):
    """A member who wants mock-interview pairing in a channel."""

    __table_args__ = (UniqueConstraint("channel_id", "member_id", name="uq_pairing_channel_member"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    created_at: dt.datetime = Field(default_factory=_now)


class PairingRound(SQLModel, table=True):
    """One pairing round in a channel, claimed by (channel, round key) before anyone is told.

    The key is the channel-local ISO week (``week:2026-W03``) for the weekly draw and
    ``/prep pair now`` alike, so a channel has at most one round a week.
    """

    __table_args__ = (UniqueConstraint("channel_id", "round_key", name="uq_pairing_round_key"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    round_key: str = Field(max_length=200)
    status: str = Field(default="claimed", max_length=16)
    created_at: dt.datetime = Field(default_factory=_now)
    check_in_at: dt.datetime | None = None
    checked_in_at: dt.datetime | None = None
    # The channel's own count (its first round is 1), for people; ids are shared by every channel.
    number: int | None = None


class PairingSeat(SQLModel, table=True):
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
    role: str = Field(max_length=16)
    delivered_at: dt.datetime | None = None
    failure: str = Field(default="", max_length=32)
    lease_until: dt.datetime | None = None
    # The member's answer to the check-in ("met" or "not_yet"); empty until they answer.
    met: str = Field(default="", max_length=8)


class PairingFeedback(SQLModel, table=True):
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
    created_at: dt.datetime = Field(default_factory=_now)


class PairingNote(SQLModel, table=True):
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
    created_at: dt.datetime = Field(default_factory=_now)
    updated_at: dt.datetime = Field(default_factory=_now)


class MemberPlan(SQLModel, table=True):
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
    created_at: dt.datetime = Field(default_factory=_now)


class SavedQuestion(SQLModel, table=True):
    """A question to ask an interviewer that a member saved to their plan."""

    __table_args__ = (UniqueConstraint("member_id", "item_id", name="uq_saved_question_member_item"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    item_id: str = Field(max_length=80)
    created_at: dt.datetime = Field(default_factory=_now)


class Organizer(SQLModel, table=True):
    """A member an admin named to run one channel's prep (schedule, prompt, reveal, pairing)."""

    __table_args__ = (UniqueConstraint("channel_id", "member_id", name="uq_organizer_channel_member"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    added_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: dt.datetime = Field(default_factory=_now)


class Report(SQLModel, table=True):
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
    created_at: dt.datetime = Field(default_factory=_now)
    updated_at: dt.datetime = Field(default_factory=_now)
    resolved_at: dt.datetime | None = None


class PostSlot(SQLModel, table=True):
    """One public post a member triggered, in a numbered slot of a fixed window.

    Keys look like ``leaderboard:chan:7:2026-03-09T10:00:1``: taking a slot is an insert
    against the unique key, so the limit holds on both databases without a read first.
    """

    __table_args__ = (UniqueConstraint("space_id", "key", name="uq_postslot_space_key"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    key: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=_now, index=True)
