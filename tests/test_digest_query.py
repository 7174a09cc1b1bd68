"""The digest's one-query ranking equals the two reads and the sort in Python it replaced.

Answers with several replies, ties, answers without votes, a member without a
display name, equal creation times: on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random

from bot.domain import ChannelRef, MemberRef, SpaceRef
from bot.services.answers import answers_of
from bot.services.digest_ranking import rank, ranked_answers
from bot.store.engine import Database
from bot.store.models import Answer, AnswerPart, PromptPost, Vote
from bot.store.ranking import tally
from bot.store.tenants import ensure_channel, ensure_member

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


async def test_one_query_ranks_as_the_python_ranking_did(db: Database) -> None:
    rng = random.Random(3)
    space = SpaceRef("console", "digest")
    async with db.unit() as s:
        ch = await ensure_channel(s, ref=ChannelRef(space, "general"))
        prompts = []
        for _ in range(2):  # a second prompt's votes must not count
            prompt = PromptPost(space_id=ch.space_id, channel_id=ch.id or 0, scenario_id="x", status="open")
            s.add(prompt)
            await s.flush()
            prompts.append(prompt.id or 0)
        voters = [
            (await ensure_member(s, ref=MemberRef(space, f"v{i}", f"voter {i}"))).id or 0 for i in range(12)
        ]
        answer_ids: dict[int, list[int]] = {p: [] for p in prompts}
        for i in range(14):
            name = "" if i == 4 else f"author {i}"  # no display name: the external id shows
            author = await ensure_member(s, ref=MemberRef(space, f"a{i}", name))
            for prompt_id in prompts:
                when = T0 + dt.timedelta(minutes=i // 2)  # pairs share a creation time
                answer = Answer(
                    space_id=ch.space_id, prompt_id=prompt_id, member_id=author.id or 0, created_at=when
                )
                s.add(answer)
                await s.flush()
                answer_ids[prompt_id].append(answer.id or 0)
                for k in range(1 + i % 3):
                    s.add(
                        AnswerPart(
                            answer_id=answer.id or 0,
                            prompt_id=prompt_id,
                            message_id=f"{prompt_id}.{i}.{k}",
                            text=f"part {k} of {i}",
                            created_at=when + dt.timedelta(seconds=10 - k),  # later parts stamped earlier
                        )
                    )
        s.add(
            Answer(space_id=ch.space_id, prompt_id=prompts[0], member_id=voters[0], created_at=T0)
        )  # no reply
        await s.flush()
        for prompt_id in prompts:
            for voter in voters:
                for slot, answer_id in enumerate(rng.sample(answer_ids[prompt_id], 3), start=1):
                    s.add(
                        Vote(
                            space_id=ch.space_id,
                            prompt_id=prompt_id,
                            answer_id=answer_id,
                            voter_id=voter,
                            slot=slot,
                        )
                    )
    async with db.unit() as s:
        ours = await ranked_answers(s, prompt_id=prompts[0])
        before = rank(await answers_of(s, prompt_id=prompts[0]), await tally(s, prompt_id=prompts[0]))
    assert len(ours) == 14
    assert len({r.rank for r in ours}) < len(ours)  # ties happened
    assert ours == before
