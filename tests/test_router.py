"""The router: help, refusals, unknown commands and re-delivered actions."""

from __future__ import annotations

from adapters.console.session import ConsoleSession


async def test_help_is_private_and_lists_every_command(session: ConsoleSession) -> None:
    sent = await session.push("alice: /prep help")
    assert len(sent) == 1 and sent[0].visible_to == "alice"
    for word in ("quiz", "challenge", "review", "leaderboard", "schedule", "export"):
        assert f"/prep {word}" in sent[0].text


async def test_unknown_command_gets_a_private_hint(session: ConsoleSession) -> None:
    sent = await session.push("alice: /prep dance")
    assert sent[0].visible_to == "alice" and "/prep help" in sent[0].text


async def test_admin_commands_are_refused_to_members(session: ConsoleSession) -> None:
    sent = await session.push("bob: /prep schedule 09:00")
    assert sent[0].visible_to == "bob" and "admins" in sent[0].text


async def test_a_redelivered_command_runs_once(session: ConsoleSession) -> None:
    first = await session.push("alice: /prep topics", delivery_id="same")
    again = await session.push("alice: /prep topics", delivery_id="same")
    assert len(first) == 1 and again == []


async def test_topics_counts_come_from_the_pack(session: ConsoleSession) -> None:
    sent = await session.push("alice: /prep topics")
    pack = session.bot.ctx.library.default
    total = sum(pack.counts()["culture-values"].values())
    assert f"`culture-values` — Netflix culture and values: {total} items" in sent[0].text
