"""Bad arguments get the rule and what to type instead: numbers out of range, topics without quizzes."""

from __future__ import annotations

from sqlmodel import select

from adapters.console.session import ConsoleSession
from bot.store.engine import Database
from bot.store.models import Challenge


async def challenges(db: Database) -> list[Challenge]:
    async with db.unit() as s:
        return list((await s.execute(select(Challenge))).scalars().all())


async def test_challenge_rounds_out_of_range_are_refused_not_clipped(
    session: ConsoleSession, db: Database
) -> None:
    for words, asked in (("culture-values 99", "99"), ("0", "0"), ("-3", "-3"), ("21", "21")):
        refused = await session.push(f"carol: /prep challenge {words}")
        assert len(refused) == 1 and refused[0].visible_to == "carol"
        assert f"rounds must be between 1 and 20 (you asked for {asked})" in refused[0].text
    assert (
        "/prep challenge culture-values 5"
        in (await session.push("carol: /prep challenge culture-values 99"))[0].text
    )
    assert await challenges(db) == []
    started = await session.push("carol: /prep challenge culture-values 20")
    assert any("20 round(s)" in s.text for s in started)
    assert [c.rounds for c in await challenges(db)] == [20]


async def test_a_topic_without_quiz_items_says_so_by_name(session: ConsoleSession) -> None:
    for command in ("quiz", "challenge"):
        sent = await session.push(f"dave: /prep {command} questions-to-ask")
        assert len(sent) == 1 and sent[0].visible_to == "dave"
        text = sent[0].text
        assert "`questions-to-ask` (" in text and "has no quiz questions (`/prep ask` suggests those)" in text
        listed = text.split("Topics with quiz questions:")[1]
        assert "`culture-values`" in listed and "questions-to-ask" not in listed
    unknown = await session.push("dave: /prep quiz astrology")
    assert "I don't know the topic `astrology`" in unknown[0].text


async def test_topics_marks_the_ones_without_quiz_questions(session: ConsoleSession) -> None:
    [sent] = await session.push("dave: /prep topics")
    line = next(x for x in sent.text.splitlines() if x.startswith("`questions-to-ask`"))
    assert "no quiz questions — see `/prep ask`" in line
