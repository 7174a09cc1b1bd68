"""Votes straight through the store: an open prompt with answers, and a cast in its own transaction.

What each of many racing presses does, for the tests that race them.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.store.engine import Database
from bot.store.models import Answer, PromptPost
from bot.store.tenants import ensure_channel, ensure_member
from bot.store.votes import insert_vote_if_open


@dataclass(frozen=True)
class Ballot:
    """An open prompt, its answers (one per author), and the voters' member ids."""

    prompt_id: int
    answer_ids: list[int]
    voter_ids: list[int]


async def open_ballot(db: Database, *, space: str, answers: int, voters: list[str]) -> Ballot:
    """An open prompt in ``space``'s general channel with ``answers`` answers by distinct authors."""
    ref = SpaceRef("console", space)
    async with db.unit() as s:
        ch = await ensure_channel(s, ref=ChannelRef(ref, "general"))
        assert ch.id is not None
        prompt = PromptPost(
            space_id=ch.space_id, channel_id=ch.id, scenario_id="x", delivery_key="d", status="open"
        )
        s.add(prompt)
        await s.flush()
        answer_ids = []
        for i in range(answers):
            author = await ensure_member(s, ref=MemberRef(ref, f"author{i}"))
            answer = Answer(space_id=ch.space_id, prompt_id=prompt.id or 0, member_id=author.id or 0)
            s.add(answer)
            await s.flush()
            answer_ids.append(answer.id or 0)
        voter_ids = [(await ensure_member(s, ref=MemberRef(ref, name))).id or 0 for name in voters]
    return Ballot(prompt.id or 0, answer_ids, voter_ids)


async def cast(db: Database, *, prompt_id: int, answer_id: int, voter_id: int, budget: int = 2) -> bool:
    """True when the vote was recorded (open prompt, not a duplicate, a slot left in ``budget``)."""
    async with db.unit() as session:
        return await insert_vote_if_open(
            session, prompt_id=prompt_id, answer_id=answer_id, voter_id=voter_id, budget=budget
        )
