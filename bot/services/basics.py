"""Help, topics and questions to ask: the commands that only read content."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands import help_lines
from bot.content_schema import AskQuestion
from bot.render import OutboundMessage, Section

if TYPE_CHECKING:
    from bot.router import Prepbot, Turn


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
        lines.append(f"`{topic.id}` — {topic.title}: {total} items ({quiz} quiz questions)")
    await turn.whisper(
        OutboundMessage(
            text=f"Topics in the {pack.meta.company} pack:",
            sections=(Section("\n".join(lines)),),
            footer="Practise one with `/prep quiz <topic>`.",
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
        )
    )


def install(bot: Prepbot) -> None:
    bot.command("help", show_help)
    bot.command("topics", show_topics)
    bot.command("ask", suggest_question)
