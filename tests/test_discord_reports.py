"""Report a problem on Discord: the Report button answers with a modal; its submission is stored once.

The real discord.py client on the fake Discord (gateway and REST), on SQLite
then PostgreSQL.
"""

from __future__ import annotations

from sqlmodel import select

from bot.content import Library
from bot.content_schema import MultipleChoice
from bot.store.models import Report
from tests.support.discord_harness import Running
from tests.support.discord_payloads import buttons, text_inputs
from tests.test_discord_commands import custom_ids, text_of


async def stored(app: Running) -> list[Report]:
    async with app.bot.ctx.db.unit() as session:
        return list((await session.execute(select(Report))).scalars().all())


async def test_report_answers_with_a_modal_and_the_submission_is_stored(
    app: Running, library: Library
) -> None:
    fake = app.fake
    await app.send("INTERACTION_CREATE", fake.command("alice", "quiz", topic="culture-values"))
    question = (await fake.until(lambda: [m for m in fake.whispers("alice") if buttons(m)]))[0]
    item = library.default.get(custom_ids(question)[0].split("|")[1])
    assert isinstance(item, MultipleChoice)
    right = next(c for c in custom_ids(question) if int(c.rsplit("|", 1)[1]) == item.answer_index)
    click = fake.click("alice", question, right)
    await app.send("INTERACTION_CREATE", click)
    (feedback,) = await fake.until(lambda: fake.interactions[click["id"]].followups)
    assert text_of(feedback).startswith("✅ Correct")
    (report_id,) = [b["custom_id"] for b in buttons(feedback) if b["label"].startswith("Report")]

    press = fake.click("alice", feedback, report_id)
    await app.send("INTERACTION_CREATE", press)
    await fake.until(lambda: fake.interactions[press["id"]].callbacks)
    (callback,) = fake.interactions[press["id"]].callbacks
    assert callback["type"] == 9  # MODAL: the first and only answer to the click
    modal = callback["data"]
    assert modal["title"] == "Report a problem" and len(modal["custom_id"]) <= 100
    (field,) = text_inputs(modal)
    assert field["required"] is False and len(field["label"]) <= 45
    assert await stored(app) == []

    note = "Two of the choices describe the same value."
    submit = fake.submit("alice", feedback, modal, note)
    await app.send("INTERACTION_CREATE", submit)
    await app.send("INTERACTION_CREATE", submit)  # re-delivered: still one report
    thanks = await fake.until(lambda: [m for m in fake.whispers("alice") if "Thanks" in text_of(m)])
    await app.settle()
    assert len(thanks) == 1 and note not in text_of(thanks[0])
    (report,) = await stored(app)
    assert (report.item_id, report.note, report.resolved_at) == (item.id, note, None)
    assert fake.posts() == []  # nothing public
