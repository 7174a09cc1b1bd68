"""Loads content packs from YAML and reports every problem as ``file:line: message``.

The loader never stops at the first error: a writer fixing a pack wants the whole
list. ``load_library`` raises :class:`ContentInvalid` with all of them (the errors
and the rules they report: ``bot.content_errors``).

The loading half (YAML with its lines, the errors, the validators) is imported by
the functions that load: a server gets its library from a child that loaded it
(:mod:`host.content_apart`) and never needs PyYAML or the rules, only the classes
below that hold what was loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from bot.content_schema import KINDS, QUIZ_KINDS, Item, PackMeta, Scenario, Topic

if TYPE_CHECKING:
    from bot.content_errors import ContentError
    from bot.settings import Settings
    from bot.yamlmap import LocatedDocument

PACK_FILE = "pack.yaml"


@dataclass(frozen=True)
class LocatedItem:
    """An item and where it is written, so later checks can point at it."""

    item: Item
    topic: str
    file: str
    line: int


@dataclass
class Pack:
    """A validated pack: its metadata and its items, indexed for the services."""

    meta: PackMeta
    root: Path
    entries: list[LocatedItem] = field(default_factory=list)
    # Where pack.yaml writes things later checks point at: ("values", i) -> line.
    meta_lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)

    @property
    def meta_file(self) -> str:
        return str(self.root / PACK_FILE)

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def topics(self) -> list[Topic]:
        return list(self.meta.topics)

    def items(self, *, topic: str | None = None, kinds: Iterable[str] = KINDS) -> list[Item]:
        wanted = set(kinds)
        return [e.item for e in self.entries if e.item.kind in wanted and (topic is None or e.topic == topic)]

    def quiz_items(self, *, topic: str | None = None) -> list[Item]:
        return self.items(topic=topic, kinds=QUIZ_KINDS)

    def scenarios(self) -> list[Scenario]:
        return [i for i in self.items(kinds=("scenario",)) if isinstance(i, Scenario)]

    def topic_of(self, item_id: str) -> str:
        return self._topic_by_id[item_id]

    def get(self, item_id: str) -> Item | None:
        return self._by_id.get(item_id)

    def counts(self) -> dict[str, dict[str, int]]:
        """Items per topic, then per kind (every topic listed, even when empty)."""
        result: dict[str, dict[str, int]] = {t.id: {} for t in self.meta.topics}
        for entry in self.entries:
            kinds = result.setdefault(entry.topic, {})
            kinds[entry.item.kind] = kinds.get(entry.item.kind, 0) + 1
        return result

    def __post_init__(self) -> None:
        self._by_id: dict[str, Item] = {}
        self._topic_by_id: dict[str, str] = {}

    def index(self) -> None:
        self._by_id = {e.item.id: e.item for e in self.entries}
        self._topic_by_id = {e.item.id: e.topic for e in self.entries}


@dataclass
class Library:
    """Every loaded pack, by id. The first pack is the default one."""

    packs: dict[str, Pack]

    @property
    def default(self) -> Pack:
        return next(iter(self.packs.values()))

    def pack(self, pack_id: str | None = None) -> Pack:
        if pack_id is None:
            return self.default
        return self.packs[pack_id]


def shipped_content_root() -> Path:
    """The folder of packs installed with prepbot, wherever it runs from."""
    return Path(str(resources.files("content")))


def content_paths(settings: Settings) -> list[Path]:
    """The shipped packs first, then the folders named in ``PREPBOT_CONTENT_PATH``."""
    return [shipped_content_root(), *settings.extra_content_paths()]


def pack_dirs(paths: Iterable[Path]) -> list[Path]:
    """Expand each path into pack folders: a pack itself, or a folder of packs."""
    found: list[Path] = []
    for path in paths:
        if (path / PACK_FILE).is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if (p / PACK_FILE).is_file()))
    return found


def load_library(paths: Iterable[Path]) -> Library:
    """Load and validate every pack under ``paths``; raise with all errors found."""
    from bot.content_errors import ContentError, ContentInvalid

    packs: dict[str, Pack] = {}
    errors: list[ContentError] = []
    dirs = pack_dirs(paths)
    for given in paths:
        if not given.exists():
            errors.append(ContentError(str(given), 1, "no such file or folder"))
    if not dirs and not errors:
        errors.append(ContentError(", ".join(map(str, paths)), 1, "no content pack found"))
    for root in dirs:
        pack, pack_errors = load_pack(root)
        errors.extend(pack_errors)
        if pack is not None:
            if pack.id in packs:
                errors.append(ContentError(str(root / PACK_FILE), 1, f"pack id {pack.id!r} is used twice"))
            packs[pack.id] = pack
    if errors:
        raise ContentInvalid(errors)
    return Library(packs=packs)


def load_pack(root: Path) -> tuple[Pack | None, list[ContentError]]:
    """Load one pack folder; returns the pack (if its metadata is valid) and its errors."""
    from bot.content_errors import duplicate_ids, validation_errors

    errors: list[ContentError] = []
    meta_file = root / PACK_FILE
    doc = _read(meta_file, errors)
    if doc is None:
        return None, errors
    try:
        meta = PackMeta.model_validate(doc.data)
    except ValidationError as exc:
        errors.extend(validation_errors(str(meta_file), doc, exc, prefix=()))
        return None, errors
    pack = Pack(meta=meta, root=root, meta_lines=dict(doc.lines))
    topic_ids = {t.id for t in meta.topics}
    ids: list[tuple[str, str, int]] = []
    for path in sorted(root.rglob("*.y*ml")):
        if path.name != PACK_FILE and path.suffix in (".yaml", ".yml"):
            pack.entries.extend(_load_item_file(path, topic_ids, meta, errors, ids))
    errors.extend(duplicate_ids(ids))
    pack.index()
    return pack, errors


def _read(path: Path, errors: list[ContentError]) -> LocatedDocument | None:
    from bot.content_errors import ContentError
    from bot.yamlmap import YamlSyntaxError, load_located

    try:
        doc = load_located(path.read_text(encoding="utf-8"))
    except YamlSyntaxError as exc:
        errors.append(ContentError(str(path), exc.line, exc.message))
        return None
    except (OSError, UnicodeDecodeError) as exc:
        errors.append(ContentError(str(path), 1, f"cannot read: {exc}"))
        return None
    for line, key in doc.duplicate_keys:
        errors.append(ContentError(str(path), line, f"duplicate key {key!r}"))
    return doc


def _load_item_file(
    path: Path,
    topic_ids: set[str],
    meta: PackMeta,
    errors: list[ContentError],
    ids: list[tuple[str, str, int]],
) -> list[LocatedItem]:
    from bot.content_errors import ContentError, item_rules, validation_errors
    from bot.content_schema import ITEM_ADAPTER

    doc = _read(path, errors)
    if doc is None:
        return []
    name = str(path)
    data = doc.data
    if not isinstance(data, dict) or "topic" not in data or "items" not in data:
        errors.append(ContentError(name, 1, "an item file needs the keys 'topic' and 'items'"))
        return []
    extra = set(data) - {"topic", "items"}
    for key in sorted(extra):
        errors.append(ContentError(name, doc.line_of((key,)), f"unknown key {key!r}"))
    topic = data["topic"]
    if topic not in topic_ids:
        known = ", ".join(sorted(topic_ids))
        errors.append(
            ContentError(name, doc.line_of(("topic",)), f"unknown topic {topic!r} (pack.yaml lists: {known})")
        )
        return []
    raw_items = data["items"]
    if not isinstance(raw_items, list):
        errors.append(ContentError(name, doc.line_of(("items",)), "'items' must be a list"))
        return []
    located: list[LocatedItem] = []
    for index, raw in enumerate(raw_items):
        prefix: tuple[str | int, ...] = ("items", index)
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            ids.append((raw["id"], name, doc.line_of(prefix)))
        try:
            item = ITEM_ADAPTER.validate_python(raw)
        except ValidationError as exc:
            errors.extend(validation_errors(name, doc, exc, prefix=prefix))
            continue
        item_errors = item_rules(item, meta)
        for where, message in item_errors:
            errors.append(ContentError(name, doc.line_of(prefix + where), f"{item.id}: {message}"))
        if not item_errors:
            located.append(LocatedItem(item=item, topic=topic, file=name, line=doc.line_of(prefix)))
    return located
