"""Every table, importable from here. Unique keys here are what make effects exactly-once.

The tables live in one module per domain beside this one (tenants, prompts, quiz,
pairing); ``from bot.store.models import X`` finds any of them, and importing this
package registers them all on ``SQLModel.metadata`` (what migrations compare against).

Times are timezone-aware UTC; SQLModel's ``UTCDateTime`` keeps them so on both
SQLite and PostgreSQL. Every row belongs to one space, directly or through
its parent, and every repository query filters by it.
"""

from __future__ import annotations

from bot.store.models.oauth import SlackTeam, TokenLease
from bot.store.models.pairing import PairingFeedback, PairingNote, PairingOptIn, PairingRound, PairingSeat
from bot.store.models.prompts import (
    Answer,
    AnswerPart,
    LateAnswer,
    MemberDay,
    MemberTotal,
    PointEvent,
    PromptNotice,
    PromptPost,
    Vote,
)
from bot.store.models.quiz import (
    Challenge,
    ChallengeRound,
    MemberPlan,
    QuizAttempt,
    QuizPresentation,
    Report,
    ReviewCard,
    ReviewLog,
    SavedQuestion,
)
from bot.store.models.tenants import Channel, DailyClaim, Delivery, Member, Organizer, PostSlot, Space

__all__ = [
    "Answer",
    "AnswerPart",
    "Challenge",
    "ChallengeRound",
    "Channel",
    "DailyClaim",
    "Delivery",
    "LateAnswer",
    "Member",
    "MemberDay",
    "MemberPlan",
    "MemberTotal",
    "Organizer",
    "PairingFeedback",
    "PairingNote",
    "PairingOptIn",
    "PairingRound",
    "PairingSeat",
    "PointEvent",
    "PostSlot",
    "PromptNotice",
    "PromptPost",
    "QuizAttempt",
    "QuizPresentation",
    "Report",
    "ReviewCard",
    "ReviewLog",
    "SavedQuestion",
    "SlackTeam",
    "Space",
    "TokenLease",
    "Vote",
]
