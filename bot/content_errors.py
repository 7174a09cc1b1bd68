"""What is wrong in a content pack, each problem as ``file:line: message``.

The loader (:mod:`bot.content`) collects every problem instead of stopping at the
first: pydantic's complaints are translated to the line of the field to fix, ids
written twice are reported at each later place, and the rules that span fields
or files (an answer among its choices, a scenario's values in the pack's
vocabulary) point at what to change. :class:`ContentInvalid` carries them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from bot.content_schema import KINDS, Item, MultipleChoice, PackMeta, Scenario
from bot.yamlmap import LocatedDocument


@dataclass(frozen=True)
class ContentError:
    """One problem in one file, at one line. A warning is printed but does not fail lint."""

    file: str
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        prefix = "warning: " if self.warning else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}"


class ContentInvalid(Exception):
    """Raised with every error found; ``str()`` is one ``file:line: message`` per line."""

    def __init__(self, errors: Sequence[ContentError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = list(errors)


def item_rules(item: Item, meta: PackMeta) -> list[tuple[tuple[str | int, ...], str]]:
    """Rules that span fields or files, reported against the field to fix."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if isinstance(item, MultipleChoice) and item.answer not in item.choices:
        problems.append((("answer",), "answer must be exactly one of the choices"))
    if isinstance(item, Scenario) and meta.values:
        vocabulary = meta.vocabulary
        for index, label in enumerate(item.values):
            if label.casefold() not in vocabulary:
                problems.append(
                    (
                        ("values", index),
                        f"value label {label!r} is not in pack.yaml's values or practices "
                        "(put engineering skills under 'skills')",
                    )
                )
    return problems


def validation_errors(
    file: str, doc: LocatedDocument, exc: ValidationError, *, prefix: tuple[str | int, ...]
) -> list[ContentError]:
    """Pydantic's complaints about one item or pack.yaml, each at the line of the field to fix."""
    result = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in KINDS))
        path = prefix + loc
        where = ".".join(str(p) for p in loc) or "item"
        message = err["msg"]
        if err["type"] == "missing":
            message = "field required"
        elif err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "union_tag_invalid":
            where, message = "kind", f"kind must be one of {', '.join(KINDS)}"
            path = path + ("kind",)
        elif err["type"] == "union_tag_not_found":
            where, message = "kind", "field required"
        result.append(ContentError(file, doc.line_of(path), f"{where}: {message}"))
    return result


def duplicate_ids(ids: list[tuple[str, str, int]]) -> list[ContentError]:
    """Every id written more than once, reported at each later place."""
    first: dict[str, tuple[str, int]] = {}
    errors = []
    for item_id, file, line in ids:
        if item_id not in first:
            first[item_id] = (file, line)
            continue
        where = f"{first[item_id][0]}:{first[item_id][1]}"
        errors.append(ContentError(file, line, f"duplicate id {item_id!r} (first at {where})"))
    return errors
