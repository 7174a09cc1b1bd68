"""Editorial checks on a valid pack: near-duplicates, missing sources, weak explanations.

The schema says what a pack may contain; these checks say whether it teaches well.
Each problem is reported as ``file:line: message`` like a schema error.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from itertools import combinations

from bot.content import ContentError, LocatedItem, Pack
from bot.content_schema import FACT_KINDS, FreeText, MultipleChoice, item_prompt_text

NEAR_DUPLICATE = 0.88
STOPWORDS = frozenset(
    """a an the of to in on for and or is are be what which who how does do your you at by
    with as that this it""".split()
)


def normalise(text: str) -> str:
    """Lower-case words without accents or punctuation, one space apart."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _words(text: str) -> set[str]:
    return {w for w in normalise(text).split() if w not in STOPWORDS}


def similarity(a: str, b: str) -> float:
    """How alike two texts are once normalised, 0 to 1."""
    return SequenceMatcher(None, normalise(a), normalise(b)).ratio()


def quality_problems(pack: Pack) -> list[ContentError]:
    """Every editorial problem in the pack, in file order."""
    problems: list[ContentError] = []
    for entry in pack.entries:
        problems.extend(_item_problems(entry))
    problems.extend(_near_duplicates(pack.entries))
    return sorted(problems, key=lambda e: (e.file, e.line))


def _item_problems(entry: LocatedItem) -> list[ContentError]:
    item = entry.item
    found: list[str] = []
    if item.kind in FACT_KINDS and item.source is None:
        found.append("a fact-bearing item needs a source URL")
    if isinstance(item, MultipleChoice | FreeText):
        explanation = normalise(item.explanation)
        question = normalise(item.question)
        if len(explanation.split()) < 5:
            found.append("the explanation is too short to teach anything")
        elif explanation == question or similarity(item.explanation, item.question) > 0.8:
            found.append("the explanation repeats the question instead of explaining the answer")
    return [ContentError(entry.file, entry.line, f"{item.id}: {message}") for message in found]


def _near_duplicates(entries: list[LocatedItem]) -> list[ContentError]:
    texts = [(entry, item_prompt_text(entry.item)) for entry in entries]
    words = [_words(text) for _, text in texts]
    problems = []
    for (i, (a, text_a)), (j, (b, text_b)) in combinations(enumerate(texts), 2):
        if a.item.kind != b.item.kind:
            continue
        shared = len(words[i] & words[j]) / max(1, len(words[i] | words[j]))
        if shared < 0.5:
            continue
        if similarity(text_a, text_b) >= NEAR_DUPLICATE:
            problems.append(
                ContentError(
                    b.file,
                    b.line,
                    f"{b.item.id}: near-duplicate of {a.item.id} ({a.file}:{a.line})",
                )
            )
    return problems
