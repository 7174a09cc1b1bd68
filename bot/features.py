"""Assembles the core: the one ordered list of shipped features, and the Prepbot built from it."""

from __future__ import annotations

from bot.feature import Feature
from bot.router import Prepbot
from bot.services import (
    answers,
    basics,
    challenge,
    digest,
    export,
    forget,
    housekeeping,
    leaderboard,
    nudges,
    organizers,
    pairing,
    plan,
    prompts,
    quiz,
    readiness,
    reports,
    retention,
    review,
    timezones,
    votes,
)
from bot.services.context import ServiceContext

# The order is the order of message handlers and of tick work; it matters where noted.
FEATURES: tuple[Feature, ...] = (
    basics.FEATURE,
    quiz.FEATURE,
    reports.FEATURE,
    review.FEATURE,
    # challenge before answers: a top-level message in a channel with an open round
    # is an answer to the round, and consumed there (answers only reads thread replies).
    challenge.FEATURE,
    leaderboard.FEATURE,
    # digest before prompts: on one tick, yesterday's digest goes out before today's post.
    digest.FEATURE,
    prompts.FEATURE,
    answers.FEATURE,
    nudges.FEATURE,
    votes.FEATURE,
    pairing.FEATURE,
    plan.FEATURE,
    readiness.FEATURE,
    export.FEATURE,
    forget.FEATURE,
    housekeeping.FEATURE,
    retention.FEATURE,
    organizers.FEATURE,
    timezones.FEATURE,
)


def build_bot(ctx: ServiceContext) -> Prepbot:
    """A Prepbot serving every shipped feature."""
    return Prepbot(ctx, FEATURES)
