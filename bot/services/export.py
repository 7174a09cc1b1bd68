"""``/prep export``: the member's prep document as a Markdown file in their direct messages.

It gathers what the member built with their team: their answers to culture
prompts with the votes they earned (and late answers, unscored), the answers of
their peers that a digest crowned, the
quiz items they missed with the explanations, mock-interview feedback (the
ratings, and the notes their interviewers wrote to them), and the questions
they plan to ask. The document is a file (Markdown is not Slack's mrkdwn,
so as a message it would show raw ``#`` and ``**``), with a short summary message.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.content import Pack
from bot.content_schema import AskQuestion, FreeText, MultipleChoice, Scenario
from bot.feature import Feature
from bot.ports import Undeliverable, channels_of
from bot.render import OutboundMessage
from bot.services.context import UserError
from bot.services.delivery import METRIC, open_dms_step
from bot.store import exports, notices
from bot.store.exports import ExportedAnswer, ReceivedNote
from bot.store.models import Channel, Member, PairingFeedback
from bot.store.pairing_feedback import feedback_for
from bot.store.refs import channel_ref
from bot.store.tenants import ensure_member

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.turn import Turn

log = logging.getLogger(__name__)
FEEDBACK_LABELS = {"structure": "Structure", "candor": "Candor", "questions": "Questions asked"}


def _title(pack: Pack, scenario_id: str) -> str:
    item = pack.get(scenario_id)
    return item.title if isinstance(item, Scenario) else scenario_id


def _votes(n: int | None) -> str:
    if n is None:
        return "votes shown after the reveal"
    return f"{n} vote" if n == 1 else f"{n} votes"


def _answers_section(pack: Pack, heading: str, answers: Sequence[ExportedAnswer], *, by: bool) -> list[str]:
    lines = [f"## {heading}", ""]
    if not answers:
        return [*lines, "_Nothing yet._", ""]
    for answer in answers:
        author = f" — {answer.author}" if by else ""
        lines += [
            f"### {_title(pack, answer.scenario_id)}{author} ({_votes(answer.votes)})",
            "",
            answer.text,
            "",
        ]
    return lines


def _late_section(pack: Pack, late: Sequence[tuple[str, str]]) -> list[str]:
    """Replies sent after a reveal: kept, never scored, and only here."""
    if not late:
        return []
    lines = ["## My late answers (sent after voting closed; not scored)", ""]
    for scenario_id, text in late:
        lines += [f"### {_title(pack, scenario_id)}", "", text, ""]
    return lines


def _missed_section(pack: Pack, missed: Sequence[tuple[str, bool]]) -> list[str]:
    lines = ["## Quiz items I missed", ""]
    if not missed:
        return [*lines, "_None so far: keep practising with `/prep quiz`._", ""]
    for item_id, recovered in missed:
        item = pack.get(item_id)
        if not isinstance(item, MultipleChoice | FreeText):
            continue
        right = item.answer if isinstance(item, MultipleChoice) else item.accepted[0]
        note = " _(since answered correctly)_" if recovered else ""
        lines += [f"- **{item.question}**{note}", f"  - Answer: {right}", f"  - Why: {item.explanation}"]
        if item.source:
            lines.append(f"  - Source: {item.source}")
    return [*lines, ""]


def _feedback_section(feedback: Sequence[PairingFeedback]) -> list[str]:
    if not feedback:
        return []
    ratings: dict[str, list[int]] = defaultdict(list)
    for row in feedback:
        ratings[row.question].append(row.rating)
    lines = ["## Mock-interview feedback", ""]
    for question, values in ratings.items():
        average = sum(values) / len(values)
        lines.append(
            f"- {FEEDBACK_LABELS.get(question, question)}: {average:.1f} / 5 ({len(values)} rating(s))"
        )
    return [*lines, ""]


def _notes_section(notes: Sequence[ReceivedNote]) -> list[str]:
    """The notes the member's mock interviewers wrote to them, as they reached them by DM."""
    if not notes:
        return []
    lines = ["## Notes from my mock interviewers", ""]
    for n in notes:
        lines += [f"### Mock interview {n.round_number} — {n.interviewer}", "", n.note, ""]
    return lines


def _questions_section(pack: Pack, saved: Sequence[str]) -> list[str]:
    lines = ["## Questions I plan to ask", ""]
    asks = [pack.get(item_id) for item_id in saved]
    chosen = [a for a in asks if isinstance(a, AskQuestion)]
    if not chosen:
        return [*lines, "_None saved yet: `/prep ask` suggests one, with a button to save it._", ""]
    for ask in chosen:
        lines += [f"- **{ask.question}**", f"  - Listen for: {ask.listen_for}"]
    return [*lines, ""]


def render_document(
    pack: Pack,
    member: Member,
    own: Sequence[ExportedAnswer],
    peers: Sequence[ExportedAnswer],
    missed: Sequence[tuple[str, bool]],
    feedback: Sequence[PairingFeedback],
    saved: Sequence[str],
    late: Sequence[tuple[str, str]] = (),
    notes: Sequence[ReceivedNote] = (),
) -> str:
    """The whole document, Markdown."""
    name = member.display_name or member.external_id
    lines = [f"# Interview prep — {name}", ""]
    if member.interview_date:
        company = member.interview_company or pack.meta.company
        lines += [f"Interview: {member.interview_date.isoformat()} ({company})", ""]
    lines += _answers_section(pack, "My answers to culture prompts", own, by=False)
    lines += _answers_section(pack, "My team's best answers (crowned by two voters or more)", peers, by=True)
    lines += _late_section(pack, late)
    lines += _missed_section(pack, missed)
    lines += _feedback_section(feedback)
    lines += _notes_section(notes)
    lines += _questions_section(pack, saved)
    return "\n".join(lines).rstrip() + "\n"


def file_name(member: Member) -> str:
    """``interview-prep-bob.md``: the member's name, kept to characters every platform accepts."""
    slug = re.sub(r"[^a-z0-9]+", "-", (member.display_name or member.external_id).lower()).strip("-")
    return f"interview-prep-{slug or 'member'}.md"


def summary(
    own: Sequence[ExportedAnswer],
    peers: Sequence[ExportedAnswer],
    missed: Sequence[tuple[str, bool]],
    feedback: Sequence[PairingFeedback],
    saved: Sequence[str],
) -> OutboundMessage:
    """The message that comes with the file: what is in it, in counts."""
    parts = [
        f"{len(own)} of your answers to culture prompts",
        f"{len(peers)} crowned answers from your team",
        f"{len(missed)} quiz item(s) you missed, with the right answer",
        f"{len({f.round_id for f in feedback})} mock interview(s) of feedback",
        f"{len(saved)} question(s) you plan to ask",
    ]
    return OutboundMessage(
        text="Your interview prep document (Markdown) is attached.",
        footer="Inside: " + "; ".join(parts) + ". Run `/prep export` again any time for a fresh copy.",
    )


async def visible_channels(turn: Turn, candidates: Sequence[Channel], taken_part: set[int]) -> set[int]:
    """The channels whose top answers this member may read.

    The platform decides where it can (Slack membership, Discord permissions);
    otherwise only channels where the member answered or voted count. A channel
    never visited, private or not, never leaks its answers into an export.
    """
    refs = {c.external_id: c for c in candidates}
    among = [channel_ref(c, turn.channel.space) for c in candidates]
    try:
        readable = await channels_of(turn.port, turn.member, among)
    except Exception:
        log.warning("asking the platform which channels a member reads failed", exc_info=True)
        readable = None
    if readable is None:
        return {c.id for c in candidates if c.id in taken_part}
    return {refs[ext].id for ext in readable if ext in refs and refs[ext].id is not None}  # type: ignore[misc]


async def prepare(
    session: AsyncSession, pack: Pack, member: Member, seen: set[int]
) -> tuple[str, OutboundMessage]:
    """The member's document and its summary; peers' answers only from the channels in ``seen``.

    Also what ``prepbot data export`` prints for an operator answering a request.
    """
    assert member.id is not None
    own = await exports.own_answers(session, member_id=member.id)
    peers = await exports.top_peer_answers(
        session, space_id=member.space_id, member_id=member.id, channel_ids=seen
    )
    missed = await exports.missed_items(session, member_id=member.id)
    feedback = await feedback_for(session, candidate_id=member.id)
    saved = await exports.saved_questions(session, member_id=member.id)
    late = await notices.late_answers(session, member_id=member.id)
    # Only the notes written to this member as the candidate: never the ones they wrote.
    notes = await exports.received_notes(session, candidate_id=member.id)
    document = render_document(pack, member, own, peers, missed, feedback, saved, late, notes)
    return document, summary(own, peers, missed, feedback, saved)


async def export_command(turn: Turn, args: tuple[str, ...]) -> None:
    """Send the document as a file to the member's DMs; answer them privately where it went."""
    pack = turn.ctx.library.default
    async with turn.ctx.db.unit() as session:
        member = await ensure_member(session, ref=turn.member)
        assert member.id is not None
        candidates = await exports.peer_channels(session, space_id=member.space_id, member_id=member.id)
        taken_part = await exports.channels_taken_part(session, member_id=member.id)
    # Asked outside the transaction: a platform call must not hold a database connection.
    seen = await visible_channels(turn, candidates, taken_part)
    async with turn.ctx.db.unit() as session:
        document, about = await prepare(session, pack, member, seen)
    name = file_name(member)
    try:
        await turn.port.send_file(turn.member, name, document.encode("utf-8"), about)
    except Undeliverable as exc:
        turn.ctx.metrics.inc(METRIC, reason=exc.reason)
        why = "your direct messages with prepbot are closed" if exc.reason == "dm_closed" else exc.reason
        raise UserError(
            f"I couldn't send your prep document: {why}. "
            f"{open_dms_step(turn.channel.space.platform)}, then run `/prep export` again."
        ) from None
    await turn.whisper(f"Your prep document is in your direct messages with prepbot: `{name}`.")


FEATURE = Feature("export", commands={"export": export_command})
