"""The picture cannot drift: who may import whom, checked on every run.

Every import counts, including those under ``if TYPE_CHECKING:`` and inside
functions, because a type-only import still couples the modules. Each rule is
also checked against a planted violation, so a broken checker fails too.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "adapters", "scheduler", "host")
SDKS = ("slack_bolt", "slack_sdk", "discord")


@dataclass(frozen=True)
class Rule:
    """Modules under ``importer`` must not import anything under one of ``forbidden``."""

    name: str
    importer: str
    forbidden: tuple[str, ...]
    exempt: tuple[str, ...] = ()

    def breaks(self, module: str, imported: str) -> bool:
        if not _under(module, self.importer) or any(_under(module, e) for e in self.exempt):
            return False
        return any(_under(imported, f) for f in self.forbidden)


RULES = (
    Rule("adapters never touch the store", "adapters", ("bot.store",)),
    Rule("adapters never touch the scheduler", "adapters", ("scheduler",)),
    Rule("adapters never reach the host", "adapters", ("host",)),
    Rule("services never import the router", "bot.services", ("bot.router", "bot.features", "bot.runtime")),
    Rule("the scheduler never touches the store", "scheduler", ("bot.store",)),
    Rule("the core never imports a platform SDK", "bot", SDKS),
    Rule("the core never imports the outer layers", "bot", ("adapters", "scheduler", "host")),
    Rule("the store never imports services", "bot.store", ("bot.services", "bot.router")),
)


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every module ``source`` imports, absolute or relative, wherever the import statement sits."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                prefix = ".".join(base)
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            found.add(target)
            # ``from bot import store`` imports bot.store
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def violations(sources: dict[str, tuple[str, bool]]) -> list[str]:
    """``module: rule (imports x)`` per import breaking a rule; sources: module to (code, is_package)."""
    found = []
    for module, (source, is_package) in sorted(sources.items()):
        for imported in sorted(imports_of(source, module, is_package=is_package)):
            for rule in RULES:
                if rule.breaks(module, imported):
                    found.append(f"{module}: {rule.name} (imports {imported})")
    return found


def project_sources() -> dict[str, tuple[str, bool]]:
    sources = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            sources[module_name(path, ROOT)] = (path.read_text(encoding="utf-8"), path.name == "__init__.py")
    return sources


def test_the_project_keeps_every_rule() -> None:
    assert violations(project_sources()) == []


def test_the_checker_reads_every_package() -> None:
    modules = project_sources()
    for package in PACKAGES:
        assert any(_under(m, package) for m in modules), package


PLANTED = {
    "adapters never touch the store": ("adapters.slack.app", "from bot.store.tenants import ensure_space\n"),
    "adapters never touch the scheduler": ("adapters.discord.client", "import scheduler.runner\n"),
    "adapters never reach the host": ("adapters.slack.port", "from host import process\n"),
    "services never import the router": (
        "bot.services.votes",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bot.router import Prepbot\n",
    ),
    "the scheduler never touches the store": (
        "scheduler.runner",
        "def f():\n    from bot.store import prompts\n",
    ),
    "the core never imports a platform SDK": ("bot.render", "import discord\n"),
    "the core never imports the outer layers": (
        "bot.runtime",
        "from adapters.slack import app\n",
    ),
    "the store never imports services": ("bot.store.votes", "from ..services import votes\n"),
}


@pytest.mark.parametrize("rule", [r.name for r in RULES])
def test_a_planted_violation_of_each_rule_is_caught(rule: str) -> None:
    module, code = PLANTED[rule]
    sources = project_sources()
    sources[module + "_planted"] = (code, False)
    found = violations(sources)
    assert [v for v in found if rule in v] != [], found
    assert all(v.startswith(module + "_planted:") for v in found), found
