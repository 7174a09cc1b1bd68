"""What a channel challenge says: the intro, each question, round summaries and the final standings."""

from __future__ import annotations

from collections.abc import Sequence

from bot import quiz
from bot.buttons import ChallengeAnswer
from bot.content import Pack
from bot.content_schema import FreeText, MultipleChoice
from bot.render import OutboundMessage, Section
from bot.services import quiz_messages as practice
from bot.services.delivery import channel_fix
from bot.services.reports import report_button
from bot.store.models import Challenge, ChallengeRound

POST_TRIES = 4  # how often a round's question is posted before the challenge stops

PRIVATE = {
    "late": "✅ Correct, but {winner} answered first.",
    "wrong": "❌ Incorrect. That was your one try this round; the answer comes when it closes.",
    "already": "You already answered this round; your first answer counts.",
    "closed": "That round is over. Watch for the next question.",
}


def intro(starter: str, challenge: Challenge, pack: Pack) -> OutboundMessage:
    title = next((t.title for t in pack.topics if t.id == challenge.topic), "every topic")
    return OutboundMessage(
        text=f"🏁 {starter} started a challenge: {challenge.rounds} round(s) on {title}.",
        sections=(
            Section(
                "Press a button or type your answer in the channel (a letter, or the answer itself). "
                f"The first correct answer scores {quiz.BASE_POINTS} points plus up to {quiz.SPEED_BONUS} "
                f"for speed; each round lasts {quiz.ROUND_SECONDS} seconds."
            ),
        ),
        footer="The starter or an admin can end it with /prep challenge stop.",
    )


def question(item: MultipleChoice | FreeText, challenge: Challenge, rnd: ChallengeRound) -> OutboundMessage:
    """A round's question: buttons for a multiple-choice item, a typing hint for a free-text one."""
    text = f"Round {rnd.round_no}/{challenge.rounds}: {item.question}"
    # A retry looks for an earlier copy by this key (a post that arrived though its answer was lost).
    key = f"prepbot-challenge-{challenge.id}-round-{rnd.round_no}"
    if isinstance(item, FreeText):
        footer = f"Type your answer in the channel · {quiz.ROUND_SECONDS}s"
        return OutboundMessage(text=text, footer=footer, key=key)
    assert rnd.id is not None
    round_id = rnd.id
    buttons, clipped = practice.choice_buttons(item, lambda index: ChallengeAnswer(round_id, item.id, index))
    last = quiz.LETTERS[len(item.choices) - 1]
    return OutboundMessage(
        text=text,
        sections=(practice.choices_section(item),) if clipped else (),
        buttons=buttons,
        footer=f"Press a button or type A–{last} · {quiz.ROUND_SECONDS}s",
        key=key,
    )


def score_line(scores: Sequence[tuple[str, int]]) -> str:
    return " · ".join(f"{name} {points}" for name, points in scores) or "nobody has scored yet"


def round_summary(
    item: MultipleChoice | FreeText, headline: str, scores: Sequence[tuple[str, int]], pack_id: str
) -> OutboundMessage:
    """A closed round: who won, the answer, why, the scores, and a Report button for the question."""
    return OutboundMessage(
        text=headline,
        sections=(
            Section(practice.answer_text(item), title="Answer"),
            Section(item.explanation, title="Why"),
            Section(score_line(scores), title="Scores"),
        ),
        buttons=(report_button(pack_id, item.id),),
    )


def final(scores: Sequence[tuple[str, int]], reason: str) -> OutboundMessage:
    """The final standings; equal scores share a rank."""
    ranked = quiz.ranked(scores)
    lines = [f"{rank}. {name} — {points} points" for rank, name, points in ranked]
    top = [name for rank, name, _ in ranked if rank == 1]
    if not top:
        verdict = "Nobody scored this time."
    elif len(top) == 1:
        verdict = f"{top[0]} wins!"
    else:
        verdict = f"A tie for first: {', '.join(top)}."
    return OutboundMessage(
        text=f"🏁 Challenge over. {reason} {verdict}",
        sections=(Section("\n".join(lines)),) if lines else (),
        footer="Points count on /prep leaderboard.",
    )


def unposted(round_no: int, platform: str, gone: str | None, where: str = "") -> str:
    """Why a challenge stopped when round ``round_no``'s question could not be posted, and what to do.

    ``gone``: the channel's ``Undeliverable`` reason when only a person can fix it;
    ``where``: the channel's name when this is told elsewhere (its starter's DMs).
    """
    again = "then start a new one with `/prep challenge`"
    if gone is not None:
        fix = channel_fix(platform, gone, where=where or "this channel", then=again)
    else:
        fix = (
            f"The platform did not take it after {POST_TRIES} tries: check that prepbot can still post "
            f"in {where or 'this channel'}, {again}."
        )
    return f"Stopped: round {round_no}'s question could not be posted{f' in {where}' if where else ''}. {fix}"


def too_soon(round_no: int, text: str) -> str:
    """A typed answer that arrived as round ``round_no``'s question was posted, before it could be read."""
    return (
        f"“{text[:40]}” came in the instant round {round_no}'s question appeared, before anyone could "
        "read it, so it was not counted. Your try for this round is still open."
    )


def private_outcome(kind: str, winner: str | None) -> str:
    # No Report button here: the round's summary carries it for everyone, and a
    # button on this whisper would sit between the member and the next question.
    return PRIVATE.get(kind, PRIVATE["closed"]).format(winner=winner or "someone")
