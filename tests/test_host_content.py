"""The content library a server gets from its loading child is the one it would have loaded itself.

A real fork, the real packs: the shipped ones and a pack from ``PREPBOT_CONTENT_PATH``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from bot.content import shipped_content_root
from bot.runtime import load_content
from bot.settings import Settings
from host.content_apart import load_apart

BROKEN = Path(__file__).parent / "fixtures" / "broken" / "badpack"


def _extra_pack(tmp_path: Path) -> Path:
    """A copy of a shipped pack under another id, as an operator's own folder would hold."""
    pack = tmp_path / "extra"
    shutil.copytree(shipped_content_root() / "netflix", pack)
    meta = pack / "pack.yaml"
    meta.write_text(
        meta.read_text(encoding="utf-8").replace("id: netflix", "id: extra-co", 1), encoding="utf-8"
    )
    return pack


def test_the_child_sends_the_library_the_server_would_load_itself(tmp_path: Path) -> None:
    settings = Settings(PREPBOT_CONTENT_PATH=str(_extra_pack(tmp_path)))
    apart = load_apart(settings)
    assert apart is not None
    library = apart.library()
    here = load_content(settings)
    assert library is not None
    assert list(library.packs) == list(here.packs) and "extra-co" in library.packs
    assert library == here
    for pack_id, pack in here.packs.items():  # the indexes came along: lookups answer as here
        sent = library.pack(pack_id)
        for entry in pack.entries:
            assert sent.get(entry.item.id) == entry.item
            assert sent.topic_of(entry.item.id) == entry.topic
    assert apart.library() is None  # once only


def test_invalid_content_sends_nothing_so_the_server_loads_and_reports_it() -> None:
    apart = load_apart(Settings(PREPBOT_CONTENT_PATH=str(BROKEN)))
    assert apart is not None
    assert apart.library() is None


def test_a_child_never_read_is_ended_and_reaped() -> None:
    apart = load_apart(Settings())
    assert apart is not None
    apart.close()
    try:
        os.kill(apart.pid, 0)
    except ProcessLookupError:
        pass
    else:
        raise AssertionError(f"child {apart.pid} still exists")
    assert apart.library() is None
