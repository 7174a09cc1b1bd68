"""Spaces, channels and members, and the keyed claims that make work happen once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field

from bot.store.models.base import Table, utc_now


class Space(Table, table=True):
    """A tenant: a Slack team, a Discord guild or a console session."""

    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_space_platform_ext"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    created_at: dt.datetime = Field(default_factory=utc_now)
    # Set when the app is removed from the space (Slack uninstall or revoked tokens, the
    # bot leaving a Discord guild); cleared on reinstall. Scheduled work skips the space,
    # and its data is deleted once PREPBOT's uninstall retention window has passed.
    uninstalled_at: dt.datetime | None = None
    # When the space's data was deleted after that window (``bot.services.retention``); the row
    # itself stays, so ids the router remembers never point at nothing.
    purged_at: dt.datetime | None = None


class Channel(Table, table=True):
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
    created_at: dt.datetime = Field(default_factory=utc_now)


class Member(Table, table=True):
    """A person in a space, with what they told prepbot about themselves."""

    # The unique key leads with space_id: it is the index for lookups by space too.
    __table_args__ = (UniqueConstraint("space_id", "external_id", name="uq_member_space_ext"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id")
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
    created_at: dt.datetime = Field(default_factory=utc_now)


class Organizer(Table, table=True):
    """A member an admin named to run one channel's prep (schedule, prompt, reveal, pairing)."""

    __table_args__ = (UniqueConstraint("channel_id", "member_id", name="uq_organizer_channel_member"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    channel_id: int = Field(foreign_key="channel.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    added_by: int | None = Field(default=None, foreign_key="member.id")
    created_at: dt.datetime = Field(default_factory=utc_now)


class Delivery(Table, table=True):
    """One processed delivery of one user action; a platform retry finds it and stops."""

    # The unique key leads with space_id: it is the index for lookups by space too.
    __table_args__ = (UniqueConstraint("space_id", "key", name="uq_delivery_space_key"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id")
    key: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utc_now, index=True)


class DailyClaim(Table, table=True):
    """Scheduled work done once per key: a member's plan for a local date, a channel's weekly report.

    Apart from ``Delivery`` (inbound deliveries a platform may retry): the key names
    the work's period, ``kind`` what the work is (:class:`bot.store.enums.DailyKind`).
    A claim that is a message (``bot.services.sent_once``) is also its send lease:
    ``sent_at`` once it arrived, ``failure`` once given up, else ``lease_until``
    holds off other senders (the one sending, or the next retry's earliest time).
    """

    __table_args__ = (UniqueConstraint("space_id", "kind", "key", name="uq_dailyclaim_space_kind_key"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    kind: str = Field(max_length=24)
    key: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utc_now, index=True)
    sent_at: dt.datetime | None = None
    lease_until: dt.datetime | None = None
    attempts: int = 0
    failure: str = Field(default="", max_length=40)


class PostSlot(Table, table=True):
    """One public post a member triggered, in a numbered slot of a fixed window.

    Keys look like ``leaderboard:chan:7:2026-03-09T10:00:1``: taking a slot is an insert
    against the unique key, so the limit holds on both databases without a read first.
    """

    __table_args__ = (UniqueConstraint("space_id", "key", name="uq_postslot_space_key"),)
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    key: str = Field(max_length=200)
    created_at: dt.datetime = Field(default_factory=utc_now, index=True)
