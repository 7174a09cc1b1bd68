"""Blind peer voting: a private ballot per member, one vote per (member, answer).

**Vote** on a prompt opens a ballot only the presser sees: every answer but
their own, numbered, without authors and without counts. Each answer has a
button; pressing it votes, pressing it again withdraws. The unique key
(answer, voter) makes a vote exactly-once whatever the platform re-delivers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.domain import MessageRef
from bot.render import Button, OutboundMessage, Section, clip
from bot.services.answers import AnswerView, answers_of
from bot.services.context import UserError
from bot.services.prompts import BALLOT_ACTION
from bot.store import prompts as store
from bot.store.engine import Database
from bot.store.models import Answer, Member, PromptPost, Vote
from bot.store.tenants import ensure_member
from bot.store.votes import answer_number, insert_vote_if_open, withdraw_vote_if_open

if TYPE_CHECKING:
    from bot.router import Prepbot, Turn

VOTE_ACTION = "prompt.vote"
LABEL_LIMIT = 75  # Slack's button label limit (Discord allows 80)
SHOWN_CHARS = 600  # the ballot shows each answer in full up to this length
CLOSED = "Voting on this scenario has closed: the digest is in its thread."


def ballot_label(answer: AnswerView, *, voted: bool) -> str:
    """``2. “I would roll back first…”`` (with a check when voted), within 75 characters."""
    mark = "✓ " if voted else ""
    prefix = f"{mark}{answer.number}. “"
    return f"{prefix}{clip(answer.text, LABEL_LIMIT - len(prefix) - 1)}”"


async def cast(db: Database, *, prompt_id: int, answer_id: int, voter_id: int) -> bool:
    """Cast a vote in its own transaction (what many concurrent presses each do).

    One statement: the vote is inserted only while the prompt is open, and the
    unique (answer, voter) key ignores a duplicate, so there is no window between
    checking and writing.
    """
    async with db.unit() as session:
        return await insert_vote_if_open(session, prompt_id=prompt_id, answer_id=answer_id, voter_id=voter_id)


async def _open_prompt(session: AsyncSession, turn: Turn, prompt_id: str) -> tuple[PromptPost, Member]:
    """The prompt a button names, checked to be in the presser's space and still open; and the presser."""
    member = await ensure_member(session, ref=turn.member)
    prompt = await session.get(PromptPost, int(prompt_id)) if prompt_id.isdigit() else None
    if prompt is None or prompt.space_id != member.space_id:
        raise UserError("That prompt no longer exists.")
    if prompt.status != store.OPEN:
        raise UserError(CLOSED)
    return prompt, member


async def open_ballot(turn: Turn, value: str, message: MessageRef | None) -> None:
    """**Vote**: show the presser every answer but their own, blind."""
    async with turn.ctx.db.unit() as session:
        prompt, member = await _open_prompt(session, turn, value)
        answers = [a for a in await answers_of(session, prompt_id=prompt.id or 0) if a.member_id != member.id]
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
    if not answers:
        await turn.whisper(
            "No answers from others yet. Reply in the thread with yours, then come back to vote."
        )
        return
    await turn.whisper(
        OutboundMessage(
            text=(
                "Your ballot: press an answer to vote for it, press it again to withdraw. "
                "Vote for as many as you like."
            ),
            sections=tuple(Section(clip(a.text, SHOWN_CHARS), title=f"Answer {a.number}") for a in answers),
            buttons=tuple(
                Button(ballot_label(a, voted=a.id in mine), VOTE_ACTION, value=f"{prompt.id}:{a.id}")
                for a in answers
            ),
            footer="Votes stay secret until the reveal; authors are shown with the results.",
        )
    )


async def toggle(turn: Turn, value: str, message: MessageRef | None) -> None:
    """An answer's button on a ballot: vote, or withdraw the vote already given."""
    prompt_id, _, answer_id = value.partition(":")
    if not answer_id.isdigit():
        raise UserError("That ballot button is broken; press Vote on the post again.")
    async with turn.ctx.db.unit() as session:
        prompt, voter = await _open_prompt(session, turn, prompt_id)
        answer = await session.get(Answer, int(answer_id))
        if answer is None or answer.prompt_id != prompt.id:
            raise UserError("That answer was deleted by its author.")
        if answer.member_id == voter.id:
            raise UserError("You can't vote for your own answer.")
        assert voter.id is not None and answer.id is not None
        # Each write re-checks that voting is open in its own statement, so a reveal that
        # lands after the check above still wins: the vote (or withdrawal) is refused.
        ids = {"prompt_id": prompt.id or 0, "answer_id": answer.id, "voter_id": voter.id}
        withdrawn = await withdraw_vote_if_open(session, **ids)
        if not withdrawn and not await insert_vote_if_open(session, **ids, at=turn.ctx.clock.now()):
            raise UserError(CLOSED)
        number = await answer_number(session, answer=answer)
    turn.ctx.metrics.inc("prepbot_votes_total", change="withdrawn" if withdrawn else "cast")
    if withdrawn:
        await turn.whisper(f"Vote for answer {number} withdrawn.")
    else:
        await turn.whisper(f"Vote for answer {number} recorded. Press it again to withdraw it.")


def install(bot: Prepbot) -> None:
    bot.button(BALLOT_ACTION, open_ballot)
    bot.button(VOTE_ACTION, toggle)
