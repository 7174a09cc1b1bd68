"""A large, deterministic dataset: 1,000 members, 1,000 prompts, 100,000 answers, 1,000,000 votes.

Rows are written with each driver's bulk path (``executemany`` on SQLite, ``COPY``
on PostgreSQL) straight into the migrated schema, so generation stays fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

MEMBERS = 1_000
PROMPTS = 1_000
ANSWERS_PER_PROMPT = 100
VOTES_PER_ANSWER = 10
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Shape:
    members: int = MEMBERS
    prompts: int = PROMPTS
    answers_per_prompt: int = ANSWERS_PER_PROMPT
    votes_per_answer: int = VOTES_PER_ANSWER

    @property
    def answers(self) -> int:
        return self.prompts * self.answers_per_prompt

    @property
    def votes(self) -> int:
        return self.answers * self.votes_per_answer


def _when(i: int) -> dt.datetime:
    return START + dt.timedelta(minutes=i % (60 * 24 * 60))


def members(shape: Shape) -> Iterator[tuple[object, ...]]:
    for m in range(1, shape.members + 1):
        yield (m, 1, f"U{m:05d}", f"member{m}", START)


def prompts(shape: Shape) -> Iterator[tuple[object, ...]]:
    for p in range(1, shape.prompts + 1):
        yield (p, 1, 1, "scenario", "revealed", f"{p}.000", "", _when(p))


def answers(shape: Shape) -> Iterator[tuple[int, int, int]]:
    """(answer id, prompt id, author id): distinct authors within a prompt."""
    answer_id = 0
    for p in range(1, shape.prompts + 1):
        for k in range(shape.answers_per_prompt):
            answer_id += 1
            yield answer_id, p, (p * 7 + k) % shape.members + 1


def votes(shape: Shape) -> Iterator[tuple[int, int, int, int]]:
    """(vote id, prompt id, answer id, voter id): voters distinct per answer, never the author."""
    vote_id = 0
    for answer_id, prompt_id, author in answers(shape):
        for j in range(shape.votes_per_answer):
            vote_id += 1
            yield vote_id, prompt_id, answer_id, (author + j * 13) % shape.members + 1


def point_events(shape: Shape) -> Iterator[tuple[object, ...]]:
    authors = {answer_id: author for answer_id, _, author in answers(shape)}
    for vote_id, _, answer_id, _ in votes(shape):
        yield (1, authors[answer_id], 1, "vote", f"vote:{vote_id}", _when(vote_id))


def answer_parts(shape: Shape) -> Iterator[tuple[object, ...]]:
    """One reply per answer, as most answers are."""
    for answer_id, prompt_id, author in answers(shape):
        text = f"member{author} would roll back first, then explain the assumptions to the team."
        yield (answer_id, prompt_id, f"{prompt_id}.{answer_id:06d}", text, START, START)
