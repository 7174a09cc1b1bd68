"""Help, topics and questions to ask: the commands that only read content."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.buttons import AnotherQuestion, SaveQuestion
from bot.commands import help_lines
from bot.content_schema import AskQuestion
from bot.domain import MessageRef
from bot.feature import Feature, button
from bot.render import OutboundMessage, Section
from bot.store.models import SavedQuestion
from bot.store.sql import insert_ignore
from bot.store.tenants import ensure_member

if TYPE_CHECKING:
    from bot.turn import Turn


SAVE_ACTION = SaveQuestion.ACTION
ANOTHER_ACTION = AnotherQuestion.ACTION


def help_message() -> OutboundMessage:
    return OutboundMessage(
        text="prepbot helps your team prepare for interviews together. Commands:",
        sections=(Section("\n".join(help_lines())),),
        footer="Quizzes, reviews and stats are private; challenges, prompts and digests are public.",
    )


async def show_help(turn: Turn, args: tuple[str, ...]) -> None:
    await turn.whisper(help_message())


async def show_topics(turn: Turn, args: tuple[str, ...]) -> None:
    pack = turn.ctx.library.default
    counts = pack.counts()
    lines = []
    for topic in pack.topics:
        per_kind = counts.get(topic.id, {})
        quiz = per_kind.get("mcq", 0) + per_kind.get("free_text", 0)
        total = sum(per_kind.values())
        asks = " — see `/prep ask`" if per_kind.get("ask") else ""
        kind = f"{quiz} quiz questions" if quiz else f"no quiz questions{asks}"
        lines.append(f"`{topic.id}` — {topic.title}: {total} items ({kind})")
    await turn.whisper(
        OutboundMessage(
            text=f"Topics in the {pack.meta.company} pack:",
            sections=(Section("\n".join(lines)),),
            footer="Practise a topic with quiz questions: `/prep quiz <topic>`.",
        )
    )


async def suggest_question(turn: Turn, args: tuple[str, ...]) -> None:
    asks = [i for i in turn.ctx.library.default.items(kinds=("ask",)) if isinstance(i, AskQuestion)]
    if not asks:
        await turn.whisper("This pack has no questions to ask yet.")
        return
    item = turn.ctx.rng.choice(asks)
    await turn.whisper(
        OutboundMessage(
            text=f"Ask your interviewer: “{item.question}”",
            sections=(
                Section(item.why, title="Why it works"),
                Section(item.listen_for, title="Listen for"),
                Section(", ".join(item.interviewers), title="Best asked to"),
            ),
            buttons=(
                SaveQuestion(item.id).button("Save to my prep doc", "primary"),
                AnotherQuestion().button("Another question"),
            ),
        )
    )


async def save_question(turn: Turn, value: SaveQuestion, message: MessageRef | None) -> None:
    """Keep a suggested question for the member's prep document (once, however often pressed)."""
    item = turn.ctx.library.default.get(value.item_id)
    if not isinstance(item, AskQuestion):
        await turn.whisper("That question is no longer in the pack; try `/prep ask` again.")
        return
    async with turn.ctx.db.unit() as session:
        member = await ensure_member(session, ref=turn.member)
        assert member.id is not None
        await insert_ignore(
            session, SavedQuestion, space_id=member.space_id, member_id=member.id, item_id=item.id
        )
    await turn.whisper(f"Saved: “{item.question}”. It is in your prep document (`/prep export`).")


async def another_question(turn: Turn, value: AnotherQuestion, message: MessageRef | None) -> None:
    await suggest_question(turn, ())


FEATURE = Feature(
    "basics",
    commands={"help": show_help, "topics": show_topics, "ask": suggest_question},
    buttons=(button(SaveQuestion, save_question), button(AnotherQuestion, another_question)),
)
