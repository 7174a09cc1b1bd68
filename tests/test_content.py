"""The content loader: shipped packs load, and every error points at file and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.content import load_library, shipped_content_root
from bot.content_checks import quality_problems
from bot.content_errors import ContentInvalid

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = FIXTURES / "broken" / "badpack"


def _errors(path: Path) -> list[str]:
    with pytest.raises(ContentInvalid) as info:
        load_library([path])
    return [str(e) for e in info.value.errors]


def test_shipped_packs_load_with_the_four_topics() -> None:
    library = load_library([shipped_content_root()])
    pack = library.pack("netflix")
    assert [t.id for t in pack.topics] == [
        "questions-to-ask",
        "motivation",
        "culture-values",
        "role-expectations",
    ]
    assert pack.quiz_items() and pack.scenarios()


def test_answer_not_among_choices_points_at_the_answer_line() -> None:
    errors = _errors(BROKEN)
    items = BROKEN / "items.yaml"
    assert f"{items}:10: first: answer must be exactly one of the choices" in errors


def test_bad_enum_value_points_at_its_line() -> None:
    errors = _errors(BROKEN)
    assert any(e.startswith(f"{BROKEN / 'items.yaml'}:14: difficulty:") for e in errors)


def test_duplicate_id_names_both_places() -> None:
    errors = _errors(BROKEN)
    assert any(":21: duplicate id 'first'" in e and "items.yaml:3)" in e for e in errors)


def test_missing_field_and_unknown_kind_are_reported() -> None:
    errors = _errors(BROKEN)
    assert any(e.endswith(":29: situation: field required") for e in errors)
    assert any(":38: kind: kind must be one of" in e for e in errors)


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    pack = tmp_path / "p"
    pack.mkdir()
    (pack / "pack.yaml").write_text((BROKEN / "pack.yaml").read_text())
    (pack / "items.yaml").write_text("topic: basics\nitems:\n  - id: [unclosed\n")
    errors = _errors(pack)
    assert len(errors) == 1 and errors[0].startswith(f"{pack / 'items.yaml'}:4: invalid YAML")


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    pack = tmp_path / "p"
    pack.mkdir()
    (pack / "pack.yaml").write_text((BROKEN / "pack.yaml").read_text() + "title: again\n")
    errors = _errors(pack)
    assert any(e.endswith(":9: duplicate key 'title'") for e in errors)


def test_quality_checks_flag_missing_source_and_near_duplicates(tmp_path: Path) -> None:
    pack_dir = tmp_path / "p"
    pack_dir.mkdir()
    (pack_dir / "pack.yaml").write_text((BROKEN / "pack.yaml").read_text())
    (pack_dir / "items.yaml").write_text(
        """topic: basics
items:
  - id: a
    kind: free_text
    difficulty: easy
    round: culture
    question: What is the name of the test that asks how hard you would fight to keep someone?
    accepted: [keeper test]
    explanation: Managers imagine the person leaving and ask whether they would fight to keep them.
  - id: b
    kind: free_text
    difficulty: easy
    round: culture
    source: https://example.com
    question: What is the name of the test asking how hard you would fight to keep someone?
    accepted: [keeper test]
    explanation: Same idea.
"""
    )
    pack = load_library([pack_dir]).default
    problems = [str(p) for p in quality_problems(pack)]
    assert any(":3: a: a fact-bearing item needs a source URL" in p for p in problems)
    assert any(":10: b: near-duplicate of a" in p for p in problems)
    assert any(":10: b: the explanation is too short" in p for p in problems)


def test_lint_cli_prints_file_line_and_fails_on_a_broken_pack() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "host.cli", "content", "lint", str(BROKEN)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert f"{BROKEN / 'items.yaml'}:10: first: answer must be exactly one of the choices" in result.stderr
    assert "Traceback" not in result.stderr


def test_lint_cli_passes_on_the_shipped_packs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "host.cli", "content", "lint"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "\nok: 1 pack(s)" in result.stdout


def test_stats_json_is_only_json_keyed_by_pack_topic_and_kind() -> None:
    import json

    result = subprocess.run(
        [sys.executable, "-m", "host.cli", "content", "stats", "--json"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)
    assert set(counts["netflix"]) == {"questions-to-ask", "motivation", "culture-values", "role-expectations"}
    assert counts["netflix"]["culture-values"]["scenario"] >= 1
