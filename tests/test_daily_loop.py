"""The daily loop on real SQLite and PostgreSQL: ballots with a budget and the rubric, crowns that
need two voters, once-only private notices, comments kept off the ballot, late answers kept."""

from __future__ import annotations

import asyncio

from sqlalchemy import func
from sqlmodel import col, select

from adapters.console.session import ConsoleSession
from bot.services.context import ServiceContext
from bot.store import ledger
from bot.store.engine import Database
from bot.store.models import Answer, PromptPost, Vote
from tests.support.console import dms, ephemerals, exported, public
from tests.support.votes import cast, open_ballot

ANSWERS = {
    "bob": "I would roll back first, then read the graphs with the on-call engineer and write it up.",
    "carol": "Page the owning team and throttle the noisy client until the graphs settle down again.",
    "dave": "Ask what the customer impact is, then decide with the owners whether to roll back now.",
    "erin": "Say openly in the incident channel what I reversed and why, so everyone shares one picture.",
}
COMMENT = "following along, great answers everyone"


async def prompt_with_answers(session: ConsoleSession, *names: str) -> None:
    session.admins.add("alice")
    await session.push("alice: /prep prompt")
    for name in names:
        await session.push(f"{name}: reply {ANSWERS[name]}")


def digest_of(session: ConsoleSession) -> str:
    [digest] = [s for s in session.chat.log if s.in_thread and s.text.startswith("Voting is closed on")]
    return digest.text


async def points(ctx: ServiceContext) -> dict[str, int]:
    async with ctx.db.unit() as s:
        space_id = (await s.execute(select(col(PromptPost.space_id)))).scalars().first() or 0
        return {row.name: row.points for row in await ledger.standings(s, space_id=space_id)}


async def test_the_ballot_shows_every_answer_with_the_rubric_and_each_voter_has_two_votes(
    session: ConsoleSession,
) -> None:
    await prompt_with_answers(session, "bob", "carol", "dave", "erin")
    [ballot] = await session.push("alice: press Vote")
    assert all(text in ballot.text for text in ANSWERS.values())
    titles = [s.title for s in ballot.message.sections]
    assert titles[-1] == "Judge them against the rubric" and ballot.message.sections[-1].text.startswith("• ")
    assert "You have 2 votes on this scenario (2 left)" in ballot.text
    assert "1 of 2 left" in (await session.push("alice: press 1"))[0].text
    await session.push("alice: press Vote")
    assert "0 of 2 left" in (await session.push("alice: press 2"))[0].text
    await session.push("alice: press Vote")
    [refused] = await session.push("alice: press 3")
    assert "used your 2 votes" in refused.text and "withdraw" in refused.text and refused.is_private
    await session.push("alice: press Vote")
    assert "withdrawn" in (await session.push("alice: press 1"))[0].text  # ✓ 1 withdrawn…
    await session.push("alice: press Vote")
    assert "recorded" in (await session.push("alice: press 3"))[0].text  # …frees a vote for 3


async def test_racing_presses_never_exceed_the_budget(ctx: ServiceContext, db: Database) -> None:
    ballot = await open_ballot(db, space="race", answers=6, voters=["voter"])
    [voter] = ballot.voter_ids
    results = await asyncio.gather(
        *(
            cast(db, prompt_id=ballot.prompt_id, answer_id=a, voter_id=voter, budget=2)
            for a in ballot.answer_ids * 3
        )
    )
    async with db.unit() as s:
        slots = sorted((await s.execute(select(col(Vote.slot)))).scalars().all())
    assert sum(results) == 2 and slots == [1, 2]


async def test_a_voter_hears_once_of_answers_that_arrive_after_their_vote(session: ConsoleSession) -> None:
    await prompt_with_answers(session, "bob", "carol")
    await session.push("carol: press Vote")
    await session.push("carol: press 1")
    await session.push("dave: reply " + ANSWERS["dave"])
    [told] = dms(session, "carol")
    assert "New answers arrived" in told.text and "once" in told.text
    assert ANSWERS["dave"] not in told.text and "dave" not in told.text  # never the words or the author
    await session.push("erin: reply " + ANSWERS["erin"])
    assert len(dms(session, "carol")) == 1  # once per scenario
    assert dms(session, "bob") == [] and dms(session, "dave") == []  # they have not voted


async def test_one_private_nudge_to_vote_and_one_reminder_to_answer_nothing_in_the_thread(
    session: ConsoleSession,
) -> None:
    await session.push("dave: /prep reminders on")
    await session.push("bob: /prep reminders on")
    await prompt_with_answers(session, "bob", "carol")
    await session.push("carol: press Vote")
    await session.push("carol: press 1")
    mark = len(session.chat.log)
    await session.push("clock +21h")
    assert dms(session, "bob", mark) == [] and dms(session, "dave", mark) == []  # not yet
    await session.push("clock +90m")  # 2 h before the 24 h window ends
    [nudge] = dms(session, "bob", mark)
    assert "Voting closes in about 2 hours" in nudge.text and "2 votes" in nudge.text
    [reminder] = dms(session, "dave", mark)
    assert "not answered yet" in reminder.text and "/prep reminders off" in reminder.text
    assert dms(session, "carol", mark) == []  # answered and voted: done
    assert not [s for s in public(session, "general", mark) if s.in_thread]  # nothing in the thread
    await session.push("clock +20m")
    assert len(dms(session, "bob", mark)) == 1 and len(dms(session, "dave", mark)) == 1
    [usage] = await session.push("erin: /prep reminders maybe")
    assert "Usage: `/prep reminders on`" in usage.text


async def test_a_single_vote_crowns_nothing_and_the_digest_says_why(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    await prompt_with_answers(session, "bob", "carol", "dave")
    await session.push("carol: press Vote")
    await session.push("carol: press 1")  # bob's: one member's opinion
    await session.push("alice: /prep reveal")
    digest = digest_of(session)
    assert "Top answer" not in digest
    assert (
        "No top answer this time" in digest and "at least 2 members" in digest and "1 member voted" in digest
    )
    assert "1. “I would roll back first" in digest  # the answers are still listed
    _, document = exported(await session.push("erin: /prep export"), "erin")
    section = document.split("## My team's best answers")[1].split("\n## ")[0]
    assert "_Nothing yet._" in section


async def test_votes_from_two_members_crown_and_the_export_keeps_the_crown(session: ConsoleSession) -> None:
    await prompt_with_answers(session, "bob", "carol", "dave")
    for voter in ("carol", "dave"):
        await session.push(f"{voter}: press Vote")
        await session.push(f"{voter}: press 1")  # bob's
    await session.push("alice: /prep reveal")
    digest = digest_of(session)
    assert "*Top answer, by bob*" in digest and "No top answer" not in digest
    # carol took part here (she voted), so the console counts the channel as one she reads.
    _, document = exported(await session.push("carol: /prep export"), "carol")
    section = document.split("## My team's best answers")[1].split("\n## ")[0]
    assert "— bob (2 votes)" in section and "dave" not in section


async def test_a_short_reply_is_a_comment_off_the_ballot_unscored_and_its_author_told_once(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    await prompt_with_answers(session, "bob")
    mark = len(session.chat.log)
    await session.push(f"carol: reply {COMMENT}")
    [hint] = ephemerals(session, "carol", mark)
    assert "comment, not an answer" in hint.text and "at least 60 characters" in hint.text
    await session.push("carol: reply +1")
    assert len(ephemerals(session, "carol", mark)) == 1  # told once
    [ballot] = await session.push("dave: press Vote")
    assert COMMENT not in ballot.text and len(ballot.message.buttons) == 1
    # A real answer afterwards counts, and a short follow-up to it is part of it.
    await session.push("dave: reply " + ANSWERS["dave"])
    await session.push("dave: reply (and I'd log it)")
    await session.push("alice: /prep reveal")
    digest = digest_of(session)
    assert COMMENT not in digest and "carol" not in digest and "2 answers" in digest
    assert "carol" not in await points(ctx)


async def test_a_reply_after_the_reveal_is_kept_as_a_late_answer_and_its_author_told(
    session: ConsoleSession, ctx: ServiceContext, db: Database
) -> None:
    await prompt_with_answers(session, "bob")
    [post] = [s for s in session.chat.log if s.text.startswith("Culture scenario")]
    assert "votes stay hidden until the reveal (Tue 08:00 UTC)" in post.text
    await session.push("clock +3h")
    await session.push("alice: /prep reveal")
    edited = session.chat.find(post.ref.id)
    assert edited is not None and "Voting closed early (Mon 11:00 UTC)" in edited.text  # the deadline moved
    assert "Tue 08:00" not in edited.text
    before = await points(ctx)
    mark = len(session.chat.log)
    await session.push("carol: reply " + ANSWERS["carol"])
    await session.push("carol: reply And I would tell the customers what we know, even if it is little.")
    [note] = ephemerals(session, "carol", mark)
    assert "already closed" in note.text and "late answer" in note.text
    assert await points(ctx) == before
    async with db.unit() as s:
        assert (await s.execute(select(func.count()).select_from(Answer))).scalar_one() == 1
    _, document = exported(await session.push("carol: /prep export"), "carol")
    late = document.split("## My late answers (sent after voting closed; not scored)")[1]
    assert ANSWERS["carol"] in late and "tell the customers" in late
