"""Editorial checks on a valid pack: cues, near-duplicates, sources, labels, stale facts.

The schema says what a pack may contain; these checks say whether it teaches well.
Each problem is reported as ``file:line: message`` like a schema error; stale facts
are warnings, everything else fails lint.

Length cues: a candidate who always picks "the longest choice" (or the second
longest, or the shortest) must not score well without knowing anything. The
*length rank* of an MCQ is 1 + the number of choices strictly longer than the
answer, in characters; so an answer tied for longest has rank 1, and ties count
in the cue's favour (the measure is an upper bound on what a length strategy
scores). "Shortest" means no choice is strictly shorter than the answer.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import combinations
from pathlib import Path

from bot.content import LocatedItem, Pack
from bot.content_errors import ContentError
from bot.content_schema import FACT_KINDS, FreeText, MultipleChoice, item_prompt_text

NEAR_DUPLICATE = 0.88
# The most a single length strategy may score: over the pack, and in a file with
# at least FILE_CUE_MIN_ITEMS MCQs (smaller files are too noisy to judge alone).
PACK_CUE_LIMIT = 0.35
FILE_CUE_LIMIT = 0.40
FILE_CUE_MIN_ITEMS = 15
STALE_AFTER = dt.timedelta(days=365)
MIN_SCENARIOS_PER_VALUE = 3
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
    own_hosts = {source.url.host for source in pack.meta.sources}
    for entry in pack.entries:
        problems.extend(_item_problems(entry))
        problems.extend(_stale(entry, pack.meta.reviewed))
        problems.extend(_unmarked_press(entry, own_hosts))
    problems.extend(_near_duplicates(pack.entries))
    problems.extend(length_cue_problems(pack))
    problems.extend(_value_coverage(pack))
    return sorted(problems, key=lambda e: (e.file, e.line))


@dataclass
class RankTally:
    """How often the answer of an MCQ holds each length rank, over some set of items."""

    items: int = 0
    ranks: Counter[int] = field(default_factory=Counter)
    shortest: int = 0
    first_line: int = 1

    def add(self, item: MultipleChoice) -> None:
        self.items += 1
        self.ranks[length_rank(item)] += 1
        self.shortest += all(len(c) >= len(item.answer) for c in item.choices)

    def strategies(self) -> dict[str, int]:
        """Hits per strategy: "rank 1" (pick the longest) ... and "shortest"."""
        named = {f"rank {rank}": hits for rank, hits in sorted(self.ranks.items())}
        named["shortest"] = self.shortest
        return named

    def worst(self) -> tuple[str, float]:
        if not self.items:
            return "rank 1", 0.0
        name, hits = max(self.strategies().items(), key=lambda kv: kv[1])
        return name, hits / self.items


def length_rank(item: MultipleChoice) -> int:
    """1 + how many choices are strictly longer than the answer (ties favour the cue)."""
    return 1 + sum(1 for choice in item.choices if len(choice) > len(item.answer))


def length_ranks(pack: Pack) -> dict[str, RankTally]:
    """One tally per item file that has MCQs, then the whole pack under the key ``""``."""
    tallies: dict[str, RankTally] = {}
    total = RankTally()
    for entry in pack.entries:
        if isinstance(entry.item, MultipleChoice):
            if entry.file not in tallies:
                tallies[entry.file] = RankTally(first_line=entry.line)
            tallies[entry.file].add(entry.item)
            total.add(entry.item)
    tallies[""] = total
    return tallies


def length_rank_table(pack: Pack) -> str:
    """A table of answer length ranks per file and for the pack, in percent of MCQs."""
    tallies = length_ranks(pack)
    top = max((r for t in tallies.values() for r in t.ranks), default=4)
    head = ["file", "MCQs", *(_rank_label(r) for r in range(1, top + 1)), "shortest"]
    rows = [head]
    for file, tally in tallies.items():
        name = Path(file).name if file else f"pack {pack.id}"
        cells = [_share(tally.ranks[r], tally.items) for r in range(1, top + 1)]
        rows.append([name, str(tally.items), *cells, _share(tally.shortest, tally.items)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def _rank_label(rank: int) -> str:
    return "longest" if rank == 1 else f"{rank}{'nd' if rank == 2 else 'rd' if rank == 3 else 'th'}"


def _share(hits: int, items: int) -> str:
    return f"{100 * hits / items:.0f}%" if items else "-"


def length_cue_problems(pack: Pack) -> list[ContentError]:
    """Fail when one length strategy scores above the limit in the pack or a large file."""
    problems = []
    for file, tally in length_ranks(pack).items():
        limit, where, line = (
            (PACK_CUE_LIMIT, pack.meta_file, 1) if not file else (FILE_CUE_LIMIT, file, tally.first_line)
        )
        if file and tally.items < FILE_CUE_MIN_ITEMS:
            continue
        name, share = tally.worst()
        if share > limit:
            scope = f"pack {pack.id!r}" if not file else "this file"
            detail = ", ".join(f"{k} {_share(v, tally.items)}" for k, v in tally.strategies().items())
            problems.append(
                ContentError(
                    where,
                    line,
                    f"length cue: picking the answer by {name} scores {share:.0%} of {tally.items} MCQs "
                    f"in {scope} (limit {limit:.0%}; {detail}); rebalance choice lengths",
                )
            )
    return problems


def _stale(entry: LocatedItem, reviewed: dt.date | None) -> list[ContentError]:
    as_of = entry.item.as_of
    if reviewed is None or as_of is None or reviewed - as_of <= STALE_AFTER:
        return []
    message = (
        f"{entry.item.id}: fact last checked {as_of.isoformat()}, more than 12 months before the pack's "
        f"reviewed date {reviewed.isoformat()}; check it against its source and update as_of"
    )
    return [ContentError(entry.file, entry.line, message, warning=True)]


def _unmarked_press(entry: LocatedItem, own_hosts: set[str | None]) -> list[ContentError]:
    """A source outside the pack's own sites must be marked ``press: true`` (or replaced)."""
    source = entry.item.source
    if not own_hosts or source is None or entry.item.press or source.host in own_hosts:
        return []
    message = (
        f"{entry.item.id}: {source.host} is not among pack.yaml's sources; cite the company's own page, "
        "or mark the item 'press: true' if no company page states the fact"
    )
    return [ContentError(entry.file, entry.line, message)]


def _value_coverage(pack: Pack) -> list[ContentError]:
    """Every declared value must label enough scenarios to be practised."""
    counts: Counter[str] = Counter()
    for item in pack.scenarios():
        counts.update({label.casefold() for label in item.values})
    problems = []
    for index, value in enumerate(pack.meta.values):
        if counts[value.casefold()] < MIN_SCENARIOS_PER_VALUE:
            line = pack.meta_lines.get(("values", index), 1)
            problems.append(
                ContentError(
                    pack.meta_file,
                    line,
                    f"value {value!r} labels {counts[value.casefold()]} scenario(s); "
                    f"label at least {MIN_SCENARIOS_PER_VALUE} so it gets practised",
                )
            )
    return problems


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
