"""``/prep forget-me`` on Discord, through the real discord.py client and the fake Discord."""

from __future__ import annotations

from tests.support.discord_harness import Running
from tests.support.discord_payloads import buttons
from tests.test_discord_prompts import answer, post_prompt, press, text_of

ALICE = "Name an owner first, then write down what we know and share it with the whole team."


async def test_forget_me_asks_privately_and_removes_her_answer_and_the_votes_on_it(app: Running) -> None:
    fake = app.fake
    post = await post_prompt(app)
    await answer(app, "alice", post["id"], ALICE)
    await app.settle()
    (ballot,) = await press(app, "bob", post, "Vote")
    await press(app, "bob", ballot, "Name an owner")

    await app.send("INTERACTION_CREATE", fake.command("alice", "forget-me"))
    [ask] = await fake.until(lambda: [m for m in fake.whispers("alice") if buttons(m)])
    assert [b["label"] for b in buttons(ask)] == ["Forget me", "Cancel"]
    (done,) = await press(app, "alice", ask, "Forget me")
    shown = text_of(done)
    assert "prepbot has forgotten you" in shown
    assert "answers to culture prompts: 1" in shown and "votes others cast on your answers: 1" in shown
    assert ALICE not in shown
    # Bob's ballot now has nothing to vote on: her answer is gone.
    (again,) = await press(app, "bob", post, "Vote")
    assert "Name an owner" not in text_of(again) and not [b for b in buttons(again) if "Name" in b["label"]]
