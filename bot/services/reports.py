"""Report a problem: the Report button on quiz and challenge feedback, and the operator's list.

The button opens a form with one optional note (a modal on Slack and Discord,
a follow-up line in the console); its submission records (item, pack, member,
note, when) once per member and item and confirms privately. An item with an
open report in a space is not asked in that space's challenges until an
operator resolves it (``prepbot content reports --resolve ITEM``): a report is
a tenant's signal, so one workspace cannot empty another's challenges.
Members' notes are their words: shown to the operator's command only, never logged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.buttons import ReportItem
from bot.content import Library
from bot.content_schema import FreeText, MultipleChoice
from bot.domain import MessageRef
from bot.feature import Feature, form
from bot.render import Button, TextInput, clip
from bot.services.context import UserError
from bot.store import reports as store
from bot.store.engine import Database
from bot.store.tenants import ensure_member

if TYPE_CHECKING:
    from bot.turn import Turn

REPORT = ReportItem.ACTION
LABEL = "Report a problem"
NOTE_LIMIT = 1000
FORM = TextInput(
    title="Report a problem",
    label="What is wrong with this question? (optional)",
    placeholder="For example: the answer is out of date, or two choices are both right.",
    required=False,
    max_length=NOTE_LIMIT,
    submit="Report",
)


def report_button(pack_id: str, item_id: str) -> Button:
    """The Report button for one item; its value names the pack and the item."""
    return ReportItem(pack_id, item_id).button(LABEL)


async def submit(turn: Turn, value: ReportItem, text: str, message: MessageRef | None) -> None:
    """A submitted report: saved once per member and item, counted, confirmed privately."""
    ctx = turn.ctx
    pack_id, item_id = value.pack_id, value.item_id
    pack = ctx.library.packs.get(pack_id)
    item = pack.get(item_id) if pack is not None else None
    if item is None:
        raise UserError("That question is no longer in the pack, so there is nothing left to report.")
    note = text.strip()
    if len(note) > NOTE_LIMIT:
        raise UserError(
            f"Your note is {len(note)} characters; please keep it under {NOTE_LIMIT} and press Report again."
        )
    async with ctx.db.unit() as session:
        member = await ensure_member(session, ref=turn.member)
        assert member.id is not None
        change = await store.save_report(
            session,
            space_id=member.space_id,
            member_id=member.id,
            pack_id=pack_id,
            item_id=item_id,
            note=note,
            at=ctx.clock.now(),
        )
    ctx.metrics.inc("prepbot_reports_total", change=change)
    question = item.question if isinstance(item, MultipleChoice | FreeText) else item_id
    await turn.whisper(confirmation(clip(question, 120), change=change, with_note=bool(note)))


def confirmation(question: str, *, change: str, with_note: bool) -> str:
    if change == store.UPDATED:
        what = "with your new note" if with_note else "as it was"
        return f"You had already reported “{question}”; your report is updated {what}. Thank you."
    noted = " and your note" if with_note else ""
    return (
        f"Thanks: your report on “{question}”{noted} reached the people who keep the questions. "
        "Until they check it, it is left out of challenges here."
    )


@dataclass
class ItemReports:
    """The open reports on one item, grouped for the operator."""

    pack: str
    item: str
    topic: str | None
    question: str | None
    count: int = 0
    first_reported: dt.datetime | None = None
    last_reported: dt.datetime | None = None
    notes: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "pack": self.pack,
            "item": self.item,
            "topic": self.topic,
            "question": self.question,
            "count": self.count,
            "first_reported": self.first_reported.isoformat() if self.first_reported else None,
            "last_reported": self.last_reported.isoformat() if self.last_reported else None,
            "notes": self.notes,
        }


async def open_by_item(db: Database, library: Library | None) -> list[ItemReports]:
    """Open reports grouped per item, most reported first (``prepbot content reports``)."""
    async with db.unit() as session:
        rows = await store.open_reports(session)
    grouped: dict[tuple[str, str], ItemReports] = {}
    for row in rows:
        key = (row.pack_id, row.item_id)
        if key not in grouped:
            grouped[key] = _describe(library, row.pack_id, row.item_id)
        entry = grouped[key]
        entry.count += 1
        entry.first_reported = min(filter(None, (entry.first_reported, row.created_at)))
        entry.last_reported = max(filter(None, (entry.last_reported, row.updated_at)))
        if row.note:
            entry.notes.append({"note": row.note, "at": row.updated_at.isoformat(), "space": row.space})
    return sorted(grouped.values(), key=lambda e: (-e.count, e.pack, e.item))


def _describe(library: Library | None, pack_id: str, item_id: str) -> ItemReports:
    pack = library.packs.get(pack_id) if library is not None else None
    item = pack.get(item_id) if pack is not None else None
    if pack is None or item is None:
        return ItemReports(pack_id, item_id, None, None)
    question = item.question if isinstance(item, MultipleChoice | FreeText) else None
    return ItemReports(pack_id, item_id, pack.topic_of(item_id), question)


async def resolve(db: Database, *, item_id: str, at: dt.datetime) -> int:
    """Resolve an item's open reports in every space; returns how many were open."""
    async with db.unit() as session:
        return await store.resolve_item(session, item_id=item_id, at=at)


FEATURE = Feature("reports", forms=(form(ReportItem, FORM, submit),))
