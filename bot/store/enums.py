"""Every status, role and kind a column stores as a string, each defined once.

The columns stay plain strings (no schema change): a ``StrEnum`` member *is* its
string, so it is written, compared and read back as before, and a value read
from the database compares equal to the member.
"""

from __future__ import annotations

from enum import StrEnum


class PromptStatus(StrEnum):
    """Where a prompt is in its life (see :mod:`bot.store.prompt_transitions` for the transitions)."""

    CLAIMED = "claimed"
    OPEN = "open"
    REVEALING = "revealing"
    REVEALED = "revealed"
    FAILED = "failed"
    STUCK = "stuck"


class RoundStatus(StrEnum):
    """A pairing round's state: claimed by (channel, week) before anyone is told."""

    CLAIMED = "claimed"


class SeatRole(StrEnum):
    """A member's part in a mock interview."""

    INTERVIEWER = "interviewer"
    CANDIDATE = "candidate"


class QuizMode(StrEnum):
    """Where a question was shown or answered: private practice, review, or a channel challenge."""

    PRACTICE = "practice"
    REVIEW = "review"
    CHALLENGE = "challenge"


class NoticeKind(StrEnum):
    """The once-only private notices about a prompt (``PromptNotice.kind``)."""

    NEW_ANSWERS = "new-answers"
    VOTE_NUDGE = "vote-nudge"
    ANSWER_REMINDER = "answer-reminder"
    COMMENT_HINT = "comment-hint"
    LATE_ANSWER = "late-answer"


class ZoneSource(StrEnum):
    """Where a member's time zone came from (``Member.timezone_source``)."""

    PROFILE = "profile"  # the platform's profile, refreshed as it changes
    CHOSEN = "member"  # ``/prep tz``: a profile change never overrides it


class DailyKind(StrEnum):
    """Scheduled work claimed once per key (``DailyClaim.kind``): a day's plan, a week's report."""

    PLAN = "plan"  # key: member id and their local date
    READINESS = "readiness"  # key: channel id and ISO week
    PAIR_LONELY = "pair-lonely"  # key: channel id and round key (the week)
    RETENTION = "retention"  # key: the UTC date (answers and votes past PREPBOT_ANSWER_RETENTION_DAYS)
    PURGE = "purge"  # key: the UTC date (an uninstalled space's data past its window)
