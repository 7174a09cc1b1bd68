"""Privacy on Discord, through the real discord.py client and the fake Discord.

Admins are checked by Manage Server on the guild (roles), never by what a channel's
overwrites grant; an export's top answers come only from channels Discord lets the
member read (roles and overwrites for them, via the member from REST).
"""

from __future__ import annotations

from tests.support.discord_harness import Running
from tests.support.discord_payloads import MANAGE_GUILD, MEMBER_PERMISSIONS
from tests.test_discord_prompts import answer, post_prompt, press, text_of

SECRET = "the payments rota is broken and nobody owns it"


async def test_a_channel_overwrite_granting_manage_server_does_not_make_an_admin(app: Running) -> None:
    fake = app.fake
    # alice has no admin role; an overwrite in #general resolves her channel permissions
    # with Manage Server, which is what the interaction's member.permissions carries.
    interaction = fake.command("alice", "prompt")
    interaction["member"]["permissions"] = str(MEMBER_PERMISSIONS | MANAGE_GUILD)
    await app.send("INTERACTION_CREATE", interaction)
    [refusal] = await fake.until(lambda: fake.whispers("alice"))
    assert "Manage Server" in text_of(refusal)
    assert fake.posts() == []
    await app.send("INTERACTION_CREATE", fake.command("dana", "prompt"))  # dana has the role
    assert await fake.until(lambda: fake.posts())


async def test_an_export_holds_top_answers_only_from_channels_discord_lets_the_member_read(
    app: Running,
) -> None:
    fake = app.fake
    post = await post_prompt(app)
    await answer(app, "alice", post["id"], f"{SECRET}; name an owner first.")
    await answer(
        app, "bob", post["id"], "Ask around the team before deciding anything about who should own this."
    )
    await app.settle()
    for voter in ("dana", "carol"):  # two members' votes crown alice's answer
        (ballot,) = await press(app, voter, post, "Vote")
        await press(app, voter, ballot, "the payments")
    await app.send("INTERACTION_CREATE", fake.command("dana", "reveal", channel_id=post["id"]))
    # The reveal is recorded (with its crown) after the digest is posted: wait for dana's
    # confirmation, which comes after both, before anyone exports.
    await fake.until(
        lambda: [m for m in fake.whispers("dana") if "Voting is closed" in (m.get("content") or "")]
    )

    def exported(name: str) -> str:
        dm = next((c for c, u in fake.dm_channels.items() if u == fake.people[name].id), None)
        return b"".join(data for m, files in fake.attachments.items() for _, data in files if m in {
            msg["id"] for msg in fake.messages.values() if msg.get("channel_id") == dm}).decode()  # fmt: skip

    # bob answered there but can no longer read #general (an overwrite hides it from him):
    # Discord's answer wins over "took part", both ways.
    await fake.hide_from(fake.general, "bob")
    await app.send("INTERACTION_CREATE", fake.command("bob", "export"))
    await fake.until(lambda: "Interview prep" in exported("bob"))
    assert SECRET not in exported("bob")
    # carol voted there and may read #general: Discord says she reads it, so its top answer shows.
    await app.send("INTERACTION_CREATE", fake.command("carol", "export"))
    await fake.until(lambda: SECRET in exported("carol"))
    assert "— alice (2 votes)" in exported("carol").lower()
