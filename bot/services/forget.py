"""``/prep forget-me``, and the operator's ``prepbot data export|forget``: a member's data, theirs to remove.

The command answers privately with a confirmation (Forget me / Cancel). Confirming
deletes everything prepbot keeps about the member in that space: the bulk of their
rows ``PREPBOT_DELETE_BATCH`` a transaction (``bot.store.forget_batches``), then the
rest in one (``bot.store.forget``: what goes, and what happens to rows of others that
point at them). Each transaction fixes what was derived from what it deleted (vote
counts and running totals, vote awards of revealed answers; an open prompt's digest
ranks without them because it is counted at the reveal), so totals are exact even
if a forget stops midway; pressing again then removes the rest. The member is told
what was removed, in counts (after an interrupted forget, what that press removed).
A second press finds nothing of theirs and says so; two at once each say what they removed
(one may find nothing); a platform's retry of the same press is dropped by its delivery claim.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from typing import TYPE_CHECKING

from bot.buttons import ForgetMe, KeepMyData
from bot.content import Library
from bot.domain import MemberRef
from bot.feature import Feature, button
from bot.render import OutboundMessage, Section
from bot.services import export
from bot.services.context import UserError
from bot.services.digest import POINTS_PER_VOTE, award_key
from bot.store import exports, ledger
from bot.store import forget as store
from bot.store import forget_batches as batches
from bot.store.engine import Database

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.domain import MessageRef
    from bot.turn import Turn

log = logging.getLogger(__name__)

DELETE_BATCH = 500  # PREPBOT_DELETE_BATCH's default, for a caller without settings
CONFIRM_FOR = dt.timedelta(minutes=15)  # an old confirmation in a scrolled-up chat does not fire
NOTHING = "prepbot keeps nothing about you in this workspace, so there is nothing to forget."
ALREADY = (
    "There is nothing left to remove: what this confirmation was for is already gone. "
    "If you used prepbot since, run `/prep forget-me` again."
)


def confirmation(member_id: int, now: dt.datetime) -> OutboundMessage:
    """The private question, with its two buttons."""
    return OutboundMessage(
        text="Forget everything prepbot keeps about you in this workspace?",
        sections=(
            Section(
                "Your answers to culture prompts (and the votes on them), the votes you cast, your points, "
                "quiz and challenge history, review cards, plans and saved questions, your interview date, "
                "mock-interview seats, ratings and notes, and your problem reports. "
                "Totals and rankings are recounted without them. This cannot be undone; "
                "`/prep export` first if you want a copy."
            ),
        ),
        buttons=(
            ForgetMe(member_id, int(now.timestamp())).button("Forget me", "danger"),
            KeepMyData().button("Cancel"),
        ),
    )


def removed(counts: dict[str, int]) -> OutboundMessage:
    """What was deleted, in counts per kind (only kinds with something in them)."""
    lines = [
        f"• {kind}: {n}" if not kind.startswith("your profile") else f"• {kind}" for kind, n in counts.items()
    ]
    return OutboundMessage(
        text="Done: prepbot has forgotten you in this workspace.",
        sections=(Section("\n".join(lines), title="Removed"),),
        footer="Messages already posted in channels stay where they are; delete them there if you wish.",
    )


async def erase(session: AsyncSession, *, space_id: int, member_id: int) -> dict[str, int] | None:
    """Forget one member in ``session``'s transaction, and shrink vote awards that counted their votes.

    None when another forget got there first.
    """
    forgotten = await store.forget_member(session, space_id=space_id, member_id=member_id)
    if forgotten is None:
        return None
    counts, lost = forgotten
    await _shrink(session, space_id=space_id, lost=lost)
    return counts


async def _shrink(session: AsyncSession, *, space_id: int, lost: store.LostVotes) -> None:
    for (prompt_id, author_id), n in sorted(lost.items()):
        key = f"{award_key(prompt_id, author_id)}:votes"
        await ledger.shrink(session, space_id=space_id, key=key, points=POINTS_PER_VOTE * n)


async def forget_all(
    db: Database, *, space_id: int, member_id: int, batch: int = DELETE_BATCH
) -> dict[str, int] | None:
    """Forget one member: the bulk of their rows ``batch`` at a time, then the rest in one transaction.

    Each batch commits with the totals and awards it corrects, so an interrupted forget leaves
    exact totals, and the next press removes what is left (and counts only that). None when
    another forget finished first and this one removed nothing.
    """
    removed = await forget_in_batches(db, space_id=space_id, member_id=member_id, batch=batch)
    return await forget_rest(db, space_id=space_id, member_id=member_id, removed=removed)


async def forget_in_batches(db: Database, *, space_id: int, member_id: int, batch: int) -> Counter[str]:
    """The bulk of the member's rows, ``batch`` a transaction until none is left: what went, per kind."""
    removed: Counter[str] = Counter()
    while True:
        async with db.unit() as session:
            counts, lost = await batches.forget_batch(session, member_id=member_id, limit=batch)
            await _shrink(session, space_id=space_id, lost=lost)
        if not counts:
            return removed
        removed += counts


async def forget_rest(
    db: Database, *, space_id: int, member_id: int, removed: Counter[str]
) -> dict[str, int] | None:
    """The last transaction: the rest; what this forget removed in all (``removed`` by its batches too).

    When another forget finished first, this one still says what its own batches removed
    (they committed); None only when it removed nothing.
    """
    async with db.unit() as session:
        rest = await erase(session, space_id=space_id, member_id=member_id)
    removed = removed + Counter(rest or {})
    if not removed:
        return None
    return {kind: removed[kind] for kind in store.KINDS if removed[kind]}


async def forget_command(turn: Turn, args: tuple[str, ...]) -> None:
    """``/prep forget-me``: ask privately, with Forget me and Cancel buttons."""
    if args:
        raise UserError("`/prep forget-me` takes no options: run it alone, then confirm with the button.")
    async with turn.ctx.db.unit() as session:
        member = await store.find_member(session, ref=turn.member)
    if member is None or member.id is None:
        await turn.whisper(NOTHING)
        return
    await turn.whisper(confirmation(member.id, turn.ctx.clock.now()))


async def confirm(turn: Turn, value: ForgetMe, message: MessageRef | None) -> None:
    """Forget me: delete the presser's data, if the confirmation is theirs, recent, and not yet used."""
    now = turn.ctx.clock.now()
    if now - dt.datetime.fromtimestamp(value.issued, dt.UTC) > CONFIRM_FOR:
        raise UserError("This confirmation has expired; nothing was removed. Run `/prep forget-me` again.")
    async with turn.ctx.db.unit() as session:
        member = await store.find_member(session, ref=turn.member)
    counts = None
    if member is not None and member.id == value.member_id:
        space_id, member_id = member.space_id, value.member_id
        batch = turn.ctx.settings.delete_batch
        counts = await forget_all(turn.ctx.db, space_id=space_id, member_id=member_id, batch=batch)
    if counts is None:
        await turn.whisper(ALREADY)
        return
    log.info("forgot member row %s of space row %s", member_id, space_id)  # ids only
    await turn.whisper(removed(counts))


async def cancel(turn: Turn, value: KeepMyData, message: MessageRef | None) -> None:
    await turn.whisper("Cancelled: nothing was removed.")


# --- the operator's side (``prepbot data``) ---------------------------------------------


async def forget_for_operator(
    db: Database, ref: MemberRef, *, batch: int = DELETE_BATCH
) -> dict[str, int] | None:
    """``prepbot data forget``: as a confirmed ``/prep forget-me``; None when the member is unknown."""
    async with db.unit() as session:
        member = await store.find_member(session, ref=ref)
        if member is None or member.id is None:
            return None
        space_id, member_id = member.space_id, member.id
    counts = await forget_all(db, space_id=space_id, member_id=member_id, batch=batch)
    log.info("an operator forgot member row %s of space row %s", member_id, space_id)
    return counts


async def export_for_operator(db: Database, library: Library, ref: MemberRef) -> tuple[str, str] | None:
    """``prepbot data export``: (file name, Markdown) as ``/prep export`` builds it; None when unknown.

    Without a platform to ask which channels the member reads, peers' crowned answers
    come only from channels where the member answered or voted (the export's own fallback).
    """
    async with db.unit() as session:
        member = await store.find_member(session, ref=ref)
        if member is None or member.id is None:
            return None
        seen = await exports.channels_taken_part(session, member_id=member.id)
        document, _ = await export.prepare(session, library.default, member, seen)
    return export.file_name(member), document


FEATURE = Feature(
    "forget",
    commands={"forget-me": forget_command},
    buttons=(button(ForgetMe, confirm), button(KeepMyData, cancel)),
)
