"""YAML loading that remembers where every value came from.

Content errors must point at a file and a line, so the loader keeps a map from
each value's path (``("items", 3, "answer")``) to the line it starts on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]


@dataclass
class LocatedDocument:
    """A parsed YAML document and the line of every mapping value and list entry."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    duplicate_keys: list[tuple[int, str]] = field(default_factory=list)

    def line_of(self, path: Path) -> int:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return 1


class YamlSyntaxError(Exception):
    """The text is not YAML; ``line`` says where the parser gave up."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# libyaml's parser (PyYAML's C binding) when it is there: the same safe loading and
# the same marks, more than ten times faster than the pure-Python parser on the
# shipped packs, which every process loads at start.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_located(text: str) -> LocatedDocument:
    """Parse one YAML document with the safe loader, keeping line numbers."""
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return LocatedDocument(data=None)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlSyntaxError(line, f"invalid YAML: {exc.problem or exc}") from None
    finally:
        loader.dispose()
    doc = LocatedDocument(data=data)
    _walk(node, (), doc)
    return doc


def _walk(node: yaml.Node, path: Path, doc: LocatedDocument) -> None:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                doc.duplicate_keys.append((key_node.start_mark.line + 1, key))
            seen.add(key)
            doc.lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), doc)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _walk(child, path + (index,), doc)
