"""The digest's order: answers ranked by votes (ties share a rank), and which are crowned.

Ranks are 1, 2, 2, 4: most votes first, ties in thread order. A top answer is
crowned only with votes from at least :data:`CROWN_VOTERS` members, since one vote
is one member's opinion; when none is, the digest says why. The rows come ranked
from one query (``bot.store.ranking``); :func:`rank` is the same order in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from operator import attrgetter
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from bot.render import clip
from bot.services.answers import AnswerView
from bot.store import ranking

OPENING_CHARS = 90  # answers are at least PREPBOT_MIN_ANSWER_CHARS (60) long: show a sentence
TOP_ANSWERS_SHOWN = 3
CROWN_VOTERS = 2  # votes from this many members crown a top answer


class Ranked(NamedTuple):
    """An answer's place in the digest; tied answers share a rank (1, 2, 2, 4).

    A named tuple rather than a frozen dataclass: one is made per answer of every
    digest, and a tuple is made at a fraction of the cost.
    """

    rank: int
    answer: AnswerView
    votes: int

    def line(self) -> str:
        """``1. “I would roll back first…” — alice — 2 votes``"""
        noun = "vote" if self.votes == 1 else "votes"
        opening = clip(self.answer.text, OPENING_CHARS)
        return f"{self.rank}. “{opening}” — {self.answer.author} — {self.votes} {noun}"


def rank(answers: Sequence[AnswerView], tallies: dict[int, int]) -> list[Ranked]:
    """Most votes first; ties keep thread order and share their rank."""
    ordered = sorted(answers, key=lambda a: (-tallies.get(a.id, 0), a.number))
    result: list[Ranked] = []
    for position, answer in enumerate(ordered, start=1):
        votes = tallies.get(answer.id, 0)
        tied = bool(result) and result[-1].votes == votes
        result.append(Ranked(result[-1].rank if tied else position, answer, votes))
    return result


async def ranked_answers(session: AsyncSession, *, prompt_id: int) -> list[Ranked]:
    """The prompt's answers ranked as ``rank`` would, read in one query (``ranking.ranked_parts``).

    The rows come most votes first and an answer's replies one after another, so
    answers are joined and ranked as they come: a tie keeps the rank before it.
    """
    result: list[Ranked] = []
    parts = await ranking.ranked_parts(session, prompt_id=prompt_id)
    for position, (answer_id, group) in enumerate(groupby(parts, key=attrgetter("answer_id")), start=1):
        first, *more = group
        text = "\n".join([first.text, *(part.text for part in more)]) if more else first.text
        view = AnswerView(answer_id, first.number, first.member_id, first.author, text)
        tied = bool(result) and result[-1].votes == first.votes
        result.append(Ranked(result[-1].rank if tied else position, view, first.votes))
    return result


def crowned(ranked: Sequence[Ranked]) -> list[Ranked]:
    """The answers the digest crowns: first place, with votes from at least ``CROWN_VOTERS`` members.

    One vote is one member's opinion (often the only voter's); a crown needs two.
    Ties at the top share it, as "joint" top answers, up to ``TOP_ANSWERS_SHOWN``.
    """
    return [r for r in ranked if r.rank == 1 and r.votes >= CROWN_VOTERS][:TOP_ANSWERS_SHOWN]


def why_no_crown(ranked: Sequence[Ranked], voters: int) -> str:
    """Why the digest lists the answers without a top answer (there were answers)."""
    most = max((r.votes for r in ranked), default=0)
    noun = "member" if voters == 1 else "members"
    return (
        f"No top answer this time: a crown takes votes from at least {CROWN_VOTERS} members for one answer, "
        f"and the most any answer got was {most} ({voters} {noun} voted). "
        "Compare the answers with the rubric below."
    )
