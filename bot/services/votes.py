"""Blind peer voting: a private ballot per member, a few votes each, one per (member, answer).

**Vote** on a prompt opens a ballot only the presser sees: every answer so far
but their own, numbered, without authors and without counts, and the scenario's
rubric to judge them against. Each member has ``PREPBOT_VOTES_PER_MEMBER`` votes
(2 by default) per prompt, so a vote is a choice. Pressing an answer votes,
pressing it again withdraws. The unique keys (answer, voter) and (prompt, voter,
slot) make a vote exactly-once and keep the budget whatever the platform re-delivers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.buttons import OpenBallot, VoteChoice
from bot.domain import MessageRef
from bot.feature import Feature, button
from bot.render import BUTTON_LABEL_LIMIT, OutboundMessage, Section, clip
from bot.services.answers import AnswerView, answers_of
from bot.services.context import UserError
from bot.services.prompts import pack_for, scenario_by_id
from bot.store import prompts as store
from bot.store import votes as votes_store
from bot.store.models import Member, PromptPost, Vote
from bot.store.tenants import ensure_member
from bot.store.votes import Press, votes_left

if TYPE_CHECKING:
    from bot.turn import Turn

VOTE_ACTION = VoteChoice.ACTION
SHOWN_CHARS = 600  # the ballot shows each answer in full up to this length
CLOSED = "Voting on this scenario has closed: the digest is in its thread."
REFUSALS = {
    votes_store.NO_PROMPT: "That prompt no longer exists.",
    votes_store.CLOSED: CLOSED,
    votes_store.NO_ANSWER: "That answer was deleted by its author.",
    votes_store.OWN_ANSWER: "You can't vote for your own answer.",
}


def ballot_label(answer: AnswerView, *, voted: bool) -> str:
    """``2. “I would roll back first…”`` (with a check when voted), within every platform's label limit."""
    mark = "✓ " if voted else ""
    prefix = f"{mark}{answer.number}. “"
    return f"{prefix}{clip(answer.text, BUTTON_LABEL_LIMIT - len(prefix) - 1)}”"


async def _open_prompt(session: AsyncSession, turn: Turn, prompt_id: int) -> tuple[PromptPost, Member]:
    """The prompt a button names, checked to be in the presser's space and still open; and the presser."""
    member = await ensure_member(session, ref=turn.member)
    prompt = await session.get(PromptPost, prompt_id)
    if prompt is None or prompt.space_id != member.space_id:
        raise UserError("That prompt no longer exists.")
    if prompt.status != store.OPEN:
        raise UserError(CLOSED)
    return prompt, member


async def open_ballot(turn: Turn, value: OpenBallot, message: MessageRef | None) -> None:
    """**Vote**: show the presser every answer so far but their own, blind, with the rubric."""
    budget = turn.ctx.settings.votes_per_member
    async with turn.ctx.db.unit() as session:
        prompt, member = await _open_prompt(session, turn, value.prompt_id)
        assert prompt.id is not None and member.id is not None
        answers = [a for a in await answers_of(session, prompt_id=prompt.id) if a.member_id != member.id]
        mine = set(
            (
                await session.execute(
                    select(col(Vote.answer_id)).where(
                        col(Vote.voter_id) == member.id, col(Vote.prompt_id) == prompt.id
                    )
                )
            )
            .scalars()
            .all()
        )
        left = await votes_left(session, prompt_id=prompt.id, voter_id=member.id, budget=budget)
        loaded = await store.load(session, prompt_id=prompt.id)
    if not answers:
        await turn.whisper(
            "No answers from others yet. Reply in the thread with yours, then come back to vote."
        )
        return
    scenario = scenario_by_id(pack_for(turn.ctx, loaded[1]), prompt.scenario_id) if loaded else None
    sections = [Section(clip(a.text, SHOWN_CHARS), title=f"Answer {a.number}") for a in answers]
    if scenario is not None and scenario.rubric:
        sections.append(
            Section(
                "\n".join(f"• {point}" for point in scenario.rubric), title="Judge them against the rubric"
            )
        )
    votes = "vote" if budget == 1 else "votes"
    await turn.whisper(
        OutboundMessage(
            text=(
                f"Your ballot: {len(answers)} answer(s) so far. You have {budget} {votes} on this scenario "
                f"({left} left): give them to the answers that cover the rubric best. "
                "Press an answer to vote, press it again to withdraw."
            ),
            sections=tuple(sections),
            buttons=tuple(
                VoteChoice(prompt.id, a.id).button(ballot_label(a, voted=a.id in mine)) for a in answers
            ),
            footer=(
                "Votes stay secret until the reveal; authors are shown with the results. "
                "If new answers arrive after you vote, I'll tell you once."
            ),
        )
    )


async def toggle(turn: Turn, value: VoteChoice, message: MessageRef | None) -> None:
    """An answer's button on a ballot: vote (within the budget), or withdraw the vote already given."""
    budget = turn.ctx.settings.votes_per_member
    press = Press(turn.member, value.prompt_id, value.answer_id, budget, turn.ctx.clock.now())
    # One transaction with the click's claim (bot.claims), shared with the clicks that
    # arrive while the last batch was being written (bot.store.shared): a few statements
    # for all of them, each click with its own checks and outcome.
    done = await turn.ctx.db.shared(votes_store.TOGGLES, press)
    if done.refused is not None:
        raise UserError(REFUSALS[done.refused])
    number, left = done.number, done.left
    if not done.withdrawn and not done.cast:
        if left > 0:
            raise UserError(CLOSED)  # the reveal came between the check and the vote
        raise UserError(
            f"You have used your {budget} votes on this scenario. To vote for answer {number}, "
            "press one you voted for (marked ✓) to withdraw it first."
        )
    turn.ctx.metrics.inc("prepbot_votes_total", change="withdrawn" if done.withdrawn else "cast")
    if done.withdrawn:
        await turn.whisper(f"Vote for answer {number} withdrawn ({left} of {budget} left).")
    else:
        await turn.whisper(
            f"Vote for answer {number} recorded ({left} of {budget} left). Press it again to withdraw it."
        )


FEATURE = Feature("votes", buttons=(button(OpenBallot, open_ballot), button(VoteChoice, toggle)))
