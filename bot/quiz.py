"""Pure quiz rules: question selection, typed-answer matching, scoring, the plan's question count.

Review scheduling (FSRS) is in :mod:`bot.memory`.

Nothing here does I/O or awaits; the services feed it rows and apply what it
decides, so every rule can be tested (and property-tested) on its own.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from bot.content_schema import FreeText, MultipleChoice

LETTERS = "ABCDE"
LABEL_LIMIT = 75  # Slack's button label limit; Discord allows 80
ROUND_SECONDS = 45
IDLE_SECONDS = 120  # a challenge nobody touches for this long stops by itself
DEFAULT_ROUNDS = 5
MAX_ROUNDS = 20
BASE_POINTS = 10
SPEED_BONUS = 5
PRACTICE_POINTS = 2
REVIEW_POINTS = 1

ARTICLES = frozenset({"a", "an", "the"})
SMART = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "′": "'"})
_APOSTROPHE = re.compile(r"'")
_NON_WORD = re.compile(r"[^\w\s]|_")
_LETTER_ANSWER = re.compile(r"^\s*\(?([A-Ea-e1-5])\s*[.):!]?\s*$")


# --- typed answers ---------------------------------------------------------
def normalise(text: str) -> list[str]:
    """Words of ``text`` folded for comparison: case, accents, quotes, punctuation, articles.

    Apostrophes vanish (``don't`` → ``dont``) while other punctuation splits words
    (``keeper-test`` → ``keeper test``), as people type both ways.
    """
    folded = unicodedata.normalize("NFKD", text.translate(SMART).casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    words = _NON_WORD.sub(" ", _APOSTROPHE.sub("", folded)).split()
    kept = [w for w in words if w not in ARTICLES]
    # An answer made only of articles ("The") still needs something to compare.
    return kept or words


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def typo_allowance(word: str) -> int:
    """Edits forgiven in one word: none in short words or numbers, one or two in longer ones."""
    if any(ch.isdigit() for ch in word) or len(word) <= 4:
        return 0
    return 1 if len(word) <= 9 else 2


def word_matches(guess: str, answer: str) -> bool:
    """One typed word against one answer word.

    A word that contains the other is never a typo of it: that is exactly how
    "air" hides in "chair", so edits at a word's edge are not forgiven.
    """
    if guess == answer:
        return True
    if answer in guess or guess in answer:
        return False
    return edit_distance(guess, answer) <= typo_allowance(answer)


def matches(guess: str, accepted: str) -> bool:
    """True when ``accepted`` appears in ``guess`` as whole words, allowing small typos."""
    target = normalise(accepted)
    words = normalise(guess)
    if not target or len(words) < len(target):
        return False
    for start in range(len(words) - len(target) + 1):
        window = words[start : start + len(target)]
        if all(word_matches(g, a) for g, a in zip(window, target, strict=True)):
            return True
    return False


class Verdict(Enum):
    """What a typed message means for the question on screen."""

    CORRECT = "correct"
    WRONG = "wrong"  # it named a wrong choice: that member's one try for the round
    NO_MATCH = "no_match"  # ordinary chat, or a guess that names nothing; free to try again


def chosen_index(text: str, choices: int) -> int | None:
    """A choice typed by letter or number ("b", "B)", "2"), or None."""
    found = _LETTER_ANSWER.match(text)
    if found is None:
        return None
    mark = found[1].upper()
    index = int(mark) - 1 if mark.isdigit() else LETTERS.index(mark)
    return index if index < choices else None


def judge_typed(item: MultipleChoice | FreeText, text: str) -> Verdict:
    """Judge a message typed in the channel against the question on screen."""
    if isinstance(item, FreeText):
        return Verdict.CORRECT if any(matches(text, a) for a in item.accepted) else Verdict.NO_MATCH
    index = chosen_index(text, len(item.choices))
    if index is None:
        named = [i for i, choice in enumerate(item.choices) if matches(text, choice)]
        index = named[0] if len(named) == 1 else None
    if index is None:
        return Verdict.NO_MATCH
    return Verdict.CORRECT if index == item.answer_index else Verdict.WRONG


# --- choosing questions ----------------------------------------------------
def pick_item(candidates: Sequence[str], seen: Mapping[str, int], rng: random.Random) -> str:
    """An item among those shown least often: no repeat before every item was shown."""
    if not candidates:
        raise ValueError("no items to choose from")
    fewest = min(seen.get(c, 0) for c in candidates)
    return rng.choice([c for c in candidates if seen.get(c, 0) == fewest])


@dataclass(frozen=True)
class Tally:
    """Answers given in one topic."""

    correct: int = 0
    attempts: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.attempts if self.attempts else 0.0

    @property
    def estimate(self) -> float:
        """Laplace-smoothed accuracy: one lucky answer does not make a topic "strong"."""
        return (self.correct + 1) / (self.attempts + 2)


def weakest_topic(topics: Sequence[str], tallies: Mapping[str, Tally], rng: random.Random) -> str:
    """The topic with the lowest estimated accuracy; an untried topic counts as 50%."""
    if not topics:
        raise ValueError("no topics to choose from")
    lowest = min(tallies.get(t, Tally()).estimate for t in topics)
    return rng.choice([t for t in topics if tallies.get(t, Tally()).estimate == lowest])


# --- scoring ---------------------------------------------------------------
def challenge_points(elapsed: dt.timedelta, limit: dt.timedelta = dt.timedelta(seconds=ROUND_SECONDS)) -> int:
    """Points for the first correct answer: a base plus a bonus that shrinks to 0 at the limit."""
    left = max(0.0, 1.0 - max(0.0, elapsed.total_seconds()) / limit.total_seconds())
    return BASE_POINTS + round(SPEED_BONUS * left)


def streak(days: Iterable[dt.date], today: dt.date) -> int:
    """Consecutive active days ending today (or yesterday, when today is still open)."""
    active = set(days)
    day = today if today in active else today - dt.timedelta(days=1)
    count = 0
    while day in active:
        count += 1
        day -= dt.timedelta(days=1)
    return count


# --- the daily plan --------------------------------------------------------
def plan_questions(days_left: int) -> int:
    """How many questions the daily plan asks in the weakest topic: more in the last week."""
    return 10 if days_left <= 7 else 5


def ranked(scores: Sequence[tuple[str, int]]) -> list[tuple[int, str, int]]:
    """Competition ranking, best first: equal points share a rank (1, 2, 2, 4)."""
    ordered = sorted(scores, key=lambda s: (-s[1], s[0].casefold()))
    result: list[tuple[int, str, int]] = []
    for position, (name, points) in enumerate(ordered, start=1):
        rank = result[-1][0] if result and result[-1][2] == points else position
        result.append((rank, name, points))
    return result
