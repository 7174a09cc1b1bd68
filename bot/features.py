"""Assembles the core: every feature installs its handlers on one Prepbot."""

from __future__ import annotations

from bot.router import Prepbot
from bot.services import (
    answers,
    basics,
    challenge,
    digest,
    export,
    housekeeping,
    leaderboard,
    organizers,
    pairing,
    plan,
    prompts,
    quiz,
    readiness,
    reports,
    review,
    timezones,
    votes,
)
from bot.services.context import ServiceContext


def build_bot(ctx: ServiceContext) -> Prepbot:
    """A Prepbot with every shipped feature installed."""
    bot = Prepbot(ctx)
    basics.install(bot)
    quiz.install(bot)
    reports.install(bot)
    review.install(bot)
    challenge.install(bot)
    leaderboard.install(bot)
    # digest before prompts: on one tick, yesterday's digest goes out before today's post.
    digest.install(bot)
    prompts.install(bot)
    answers.install(bot)
    votes.install(bot)
    pairing.install(bot)
    plan.install(bot)
    readiness.install(bot)
    export.install(bot)
    housekeeping.install(bot)
    organizers.install(bot)
    timezones.install(bot)
    return bot
