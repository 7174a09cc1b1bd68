"""The core stays platform-neutral: nothing under bot/ imports a platform SDK."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = ("slack_bolt", "slack_sdk", "discord")
ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_bot_never_imports_a_platform_sdk() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & set(FORBIDDEN))
        for path in (ROOT / "bot").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_would_catch_an_offender(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("import discord\nfrom slack_bolt.async_app import AsyncApp\n")
    assert _imports(sample) & set(FORBIDDEN) == {"discord", "slack_bolt"}
