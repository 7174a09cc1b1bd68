"""Lint measures quiz design: length cues, label vocabulary, stale facts, press marking."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content import load_library, shipped_content_root
from bot.content_checks import length_rank, length_rank_table, quality_problems
from bot.content_errors import ContentInvalid
from bot.content_schema import MultipleChoice, Scenario
from bot.services.prompts import render_post

PACK = """id: tiny
company: Example
title: Tiny
description: A pack built by a test.
reviewed: 2026-12-01
values: [candor, judgment]
practices: [keeper test]
sources:
  - url: https://jobs.example.com/culture
    title: Culture
topics:
  - id: basics
    title: Basics
    summary: Things to know.
"""


TOPICS = (
    "vacation travel expenses keeper feedback captains dissent severance options pay "
    "leave memo values process context alignment rules"
).split()


def _mcq(
    n: int, *, rank: int, as_of: str = "2026-11-01", source: str = "https://jobs.example.com/culture"
) -> str:
    """An MCQ on a topic of its own whose answer has the given length rank among four choices."""
    choices = [f"Choice {n} " + "x" * (4 * width) for width in (4, 3, 2, 1)]
    answer = choices[rank - 1]
    lines = "\n".join(f"      - {c}" for c in choices)
    topic = TOPICS[n]
    return f"""  - id: q{n}
    kind: mcq
    difficulty: easy
    round: culture
    source: {source}
    as_of: {as_of}
    question: Which is right about {topic} and {TOPICS[(n + 7) % len(TOPICS)]}?
    choices:
{lines}
    answer: {answer}
    explanation: The handbook covers {topic} in its own section, which this explains.
"""


SITUATIONS = {
    "s0": "A deploy failed overnight and the rollback script is broken.",
    "s1": "Your manager asks you to cut scope on a feature customers love.",
    "s2": "A peer keeps merging changes without any review from the team.",
}


def _scenario(item_id: str, values: str, skills: str = "") -> str:
    extra = f"\n    skills: {skills}" if skills else ""
    return f"""  - id: {item_id}
    kind: scenario
    difficulty: medium
    round: culture
    title: A scenario
    situation: {SITUATIONS[item_id]}
    values: {values}{extra}
    rubric: [one point, another point]
    follow_ups: [what would you do next]
"""


def _pack(tmp_path: Path, items: str, *, meta: str = PACK) -> Path:
    root = tmp_path / "tiny"
    root.mkdir()
    (root / "pack.yaml").write_text(meta)
    (root / "items.yaml").write_text("topic: basics\nitems:\n" + items)
    return root


def _scenarios_covering_values() -> str:
    return "".join(_scenario(f"s{i}", "[candor, judgment]") for i in range(3))


def test_length_rank_counts_strictly_longer_choices_so_ties_favour_the_cue() -> None:
    tie = MultipleChoice(
        id="t",
        kind="mcq",
        difficulty="easy",
        round="any",
        question="q?",
        choices=["abcd", "wxyz", "ab"],
        answer="abcd",
        explanation="e",
    )
    assert length_rank(tie) == 1
    third = tie.model_copy(update={"choices": ["ab", "abc", "abcd"], "answer": "ab"})
    assert length_rank(third) == 3


def test_a_length_cue_fails_with_the_numbers_at_file_and_pack(tmp_path: Path) -> None:
    # 15 MCQs, the answer is the longest choice in 12 of them: 80 % in the file and the pack.
    items = (
        "".join(_mcq(n, rank=1 if n < 12 else 2 + n % 3) for n in range(15)) + _scenarios_covering_values()
    )
    root = _pack(tmp_path, items)
    pack = load_library([root]).default
    problems = [str(p) for p in quality_problems(pack)]
    items_file = root / "items.yaml"
    assert (
        f"{items_file}:3: length cue: picking the answer by rank 1 scores 80% of 15 MCQs in this file"
        in "\n".join(problems)
    )
    assert any(
        p.startswith(
            f"{root / 'pack.yaml'}:1: length cue: picking the answer by rank 1 scores 80% of 15 MCQs"
        )
        and "limit 35%" in p
        for p in problems
    )
    table = length_rank_table(pack)
    assert "longest" in table and "80%" in table and "pack tiny" in table


def test_a_balanced_small_file_is_judged_only_at_pack_level(tmp_path: Path) -> None:
    # 14 MCQs: too few for the per-file limit; half longest, half second: 50 % fails only the pack.
    items = "".join(_mcq(n, rank=1 if n < 7 else 2 + n % 3) for n in range(14)) + _scenarios_covering_values()
    root = _pack(tmp_path, items)
    problems = [str(p) for p in quality_problems(load_library([root]).default)]
    cues = [p for p in problems if "length cue" in p]
    assert len(cues) == 1 and cues[0].startswith(f"{root / 'pack.yaml'}:1:") and "scores 50% of 14" in cues[0]


def test_an_unknown_value_label_is_rejected_at_its_line(tmp_path: Path) -> None:
    root = _pack(tmp_path, _scenario("s1", "[candor, communication]", skills="[communication]"))
    with pytest.raises(ContentInvalid) as info:
        load_library([root])
    errors = [str(e) for e in info.value.errors]
    assert errors == [
        f"{root / 'items.yaml'}:9: s1: value label 'communication' is not in pack.yaml's values or practices "
        "(put engineering skills under 'skills')"
    ]


def test_a_value_labelling_too_few_scenarios_is_reported_at_its_pack_line(tmp_path: Path) -> None:
    root = _pack(tmp_path, _scenario("s1", "[candor, judgment]") + _scenario("s2", "[candor, keeper test]"))
    problems = [str(p) for p in quality_problems(load_library([root]).default)]
    assert (
        f"{root / 'pack.yaml'}:6: value 'candor' labels 2 scenario(s); label at least 3 so it gets practised"
        in problems
    )
    assert any(p.startswith(f"{root / 'pack.yaml'}:6: value 'judgment' labels 1") for p in problems)


def test_a_stale_fact_is_a_warning_that_does_not_fail_lint(tmp_path: Path) -> None:
    items = _mcq(0, rank=1, as_of="2025-11-30") + "".join(
        _mcq(n, rank=n + 1, as_of="2025-12-01") for n in (1, 2, 3)
    )
    root = _pack(tmp_path, items + _scenarios_covering_values())
    problems = quality_problems(load_library([root]).default)
    stale = [p for p in problems if p.warning]
    assert [str(p) for p in stale] == [
        f"{root / 'items.yaml'}:3: warning: q0: fact last checked 2025-11-30, more than 12 months before the "
        "pack's reviewed date 2026-12-01; check it against its source and update as_of"
    ]
    result = subprocess.run(
        [sys.executable, "-m", "host.cli", "content", "lint", str(root)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "warning: q0: fact last checked 2025-11-30" in result.stderr
    assert "ok: 1 pack(s), 7 items, 1 warning(s)" in result.stdout


def test_a_press_source_must_be_marked(tmp_path: Path) -> None:
    items = _mcq(0, rank=1, source="https://news.example.org/story") + "".join(
        _mcq(n, rank=n + 1) for n in (1, 2, 3)
    )
    root = _pack(tmp_path, items + _scenarios_covering_values())
    problems = [str(p) for p in quality_problems(load_library([root]).default)]
    assert any(
        p.startswith(f"{root / 'items.yaml'}:3: q0: news.example.org is not among pack.yaml's sources")
        for p in problems
    )
    marked = (
        (root / "items.yaml")
        .read_text()
        .replace(
            "    source: https://news.example.org/story\n",
            "    source: https://news.example.org/story\n    press: true\n",
        )
    )
    (root / "items.yaml").write_text(marked)
    problems = [str(p) for p in quality_problems(load_library([root]).default)]
    assert not any("not among pack.yaml's sources" in p for p in problems)


def test_lint_cli_prints_the_length_rank_table_for_the_shipped_pack() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "host.cli", "content", "lint"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "answer length rank, share of MCQs (netflix):" in result.stdout
    assert "culture-values-mcq.yaml" in result.stdout and "pack netflix" in result.stdout


def test_shipped_scenarios_use_only_the_declared_vocabulary_and_every_value_thrice() -> None:
    pack = load_library([shipped_content_root()]).pack("netflix")
    assert len(pack.meta.values) == 8
    assert {"creativity", "resilience"} <= set(pack.meta.values)
    counts = {value: 0 for value in pack.meta.values}
    for scenario in pack.scenarios():
        assert {v.casefold() for v in scenario.values} <= pack.meta.vocabulary, scenario.id
        for value in scenario.values:
            if value in counts:
                counts[value] += 1
    assert min(counts.values()) >= 3, counts


def test_a_scenario_post_shows_skills_apart_from_values() -> None:
    scenario = Scenario(
        id="s",
        kind="scenario",
        difficulty="easy",
        round="technical",
        title="T",
        situation="What now?",
        values=["judgment"],
        skills=["system design"],
        rubric=["a", "b"],
        follow_ups=["c"],
    )
    message = render_post(scenario, 1, dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC), "UTC", daily=False)
    titles = {section.title: section.text for section in message.sections}
    assert titles["Values it probes"] == "judgment"
    assert titles["Skills it probes"] == "system design"
