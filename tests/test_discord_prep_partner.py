"""Pairing, interview plans and the prep document on Discord: the real client, the fake Discord."""

from __future__ import annotations

import datetime as dt

from tests.support.discord_harness import Running


def _texts(messages: list[dict]) -> list[str]:
    out = []
    for message in messages:
        parts = [message.get("content") or ""]
        for embed in message.get("embeds", []):
            parts.append(embed.get("description") or "")
            parts.extend(f"{f['name']}\n{f['value']}" for f in embed.get("fields", []))
        out.append("\n".join(parts))
    return out


async def test_pairing_opts_in_privately_and_the_weekly_round_arrives_by_dm(app: Running) -> None:
    fake = app.fake
    for name in ("alice", "bob"):
        await app.send("INTERACTION_CREATE", fake.command(name, "pair"))
        await fake.until(lambda name=name: any("opted in" in t for t in _texts(fake.whispers(name))))
    # Monday 12 January 2026, 10:00 UTC: the default weekly round in a UTC channel.
    app.clock.set(dt.datetime(2026, 1, 12, 10, 0, 10, tzinfo=dt.UTC))
    await app.bot.tick(app.client.handler.port)
    await app.bot.tick(app.client.handler.port)  # a second tick changes nothing
    for name in ("alice", "bob"):
        scripts = await fake.until(
            lambda name=name: [t for t in _texts(fake.whispers(name)) if "Mock interview this week" in t]
        )
        assert len(scripts) == 1
    assert fake.posts() == []


async def test_interview_plan_is_private_and_the_export_is_a_file_by_dm(app: Running) -> None:
    fake = app.fake
    bob = fake.people["bob"].id
    await app.send(
        "INTERACTION_CREATE", fake.command("bob", "interview", date="2026-01-20", company="Netflix")
    )
    await fake.until(
        lambda: any("15 days to your Netflix interview" in t for t in _texts(fake.whispers("bob")))
    )
    await app.send("INTERACTION_CREATE", fake.command("bob", "export"))
    # The document is a Markdown attachment on a DM to bob, with a short summary.
    files = await fake.until(
        lambda: [f for mid, fs in fake.attachments.items() for f in fs if fake.visible_to.get(mid) == bob]
    )
    [(name, data)] = files
    assert name.endswith(".md") and "Interview: 2026-01-20 (Netflix)" in data.decode()
    assert "# Interview prep" in data.decode()
    await fake.until(lambda: any("direct messages" in t for t in _texts(fake.whispers("bob"))))
    assert fake.posts() == []


async def test_closed_dms_never_stop_a_pairing_round_and_pair_now_never_draws_twice(app: Running) -> None:
    """Discord answers 50007 for carol: alice and bob still get scripts, dana is told carol's name."""
    fake = app.fake
    for name in ("alice", "bob", "carol"):
        await app.send("INTERACTION_CREATE", fake.command(name, "pair"))
        await fake.until(lambda name=name: any("opted in" in t for t in _texts(fake.whispers(name))))
    fake.close_dms("carol")
    await app.send("INTERACTION_CREATE", fake.command("dana", "pair", action="now"))
    for name in ("alice", "bob"):
        await fake.until(
            lambda name=name: [t for t in _texts(fake.whispers(name)) if "Mock interview this week" in t]
        )
    report = await fake.until(lambda: [t for t in _texts(fake.whispers("dana")) if "Carol" in t])
    assert "@" not in report[0].split("Carol")[0][-2:], "named as plain text, not a mention"
    await app.settle()
    assert not [t for t in _texts(fake.whispers("carol")) if "Mock interview this week" in t]
    assert fake.posts() == []

    # carol opens her DMs; `pair now` again sends only her script and draws no second round.
    fake.dms_closed.discard(fake.people["carol"].id)
    before = {n: len(_texts(fake.whispers(n))) for n in ("alice", "bob")}
    await app.send("INTERACTION_CREATE", fake.command("dana", "pair", action="now"))
    await fake.until(lambda: [t for t in _texts(fake.whispers("carol")) if "Mock interview this week" in t])
    await app.settle()
    assert {n: len(_texts(fake.whispers(n))) for n in ("alice", "bob")} == before
