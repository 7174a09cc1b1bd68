"""A vote cast straight through the store, in its own transaction (what each of many racing presses does)."""

from __future__ import annotations

from bot.store.engine import Database
from bot.store.votes import insert_vote_if_open


async def cast(db: Database, *, prompt_id: int, answer_id: int, voter_id: int, budget: int = 2) -> bool:
    """True when the vote was recorded (open prompt, not a duplicate, a slot left in ``budget``)."""
    async with db.unit() as session:
        return await insert_vote_if_open(
            session, prompt_id=prompt_id, answer_id=answer_id, voter_id=voter_id, budget=budget
        )
