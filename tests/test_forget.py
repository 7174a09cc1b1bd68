"""``/prep forget-me`` on SQLite and PostgreSQL, through the console: what goes, and what is recounted.

Carol answers two prompts (one revealed, one still open), votes on others' answers and
gets votes on hers; she also practises, saves a question and sets an interview date.
After she confirms, nothing of hers is left in any table, the running totals equal a
full recount, the revealed answer she voted for loses what her vote earned, and the
open prompt's digest ranks without her.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, text
from sqlmodel import SQLModel, col

from adapters.console.session import ConsoleSession
from bot.buttons import ForgetMe
from bot.events import ButtonPressed
from bot.services.context import ServiceContext
from bot.store import ledger
from bot.store.engine import Database
from bot.store.models import Answer, Challenge, ChallengeRound, Member, PromptPost, Vote
from tests.support.console import ephemerals
from tests.test_digest import digests
from tests.test_totals import kept, recount

TEXT = {
    "bob": "I would roll back first, then read the logs with the on-call engineer before anything else.",
    "carol": "Page the owning team and throttle the noisy client until the graphs settle down again.",
    "dave": "Ask what the customer impact is, then decide with the owners whether to roll back now.",
    "erin": "Write down what we know, tell the customer, and only then pick between rollback or fix.",
}


async def vote(session: ConsoleSession, voter: str, number: int) -> None:
    await session.push(f"{voter}: press Vote")
    await session.push(f"{voter}: press {number}")


async def two_prompts(session: ConsoleSession) -> None:
    """P1 (revealed): bob 2 votes (carol, dave), carol 1 (bob). P2 (open): bob 2 (carol, erin), erin 1."""
    session.admins.add("alice")
    await session.push("alice: /prep prompt")
    for name in ("bob", "carol", "dave"):
        await session.push(f"{name}: reply {TEXT[name]}")
    await vote(session, "carol", 1)  # bob
    await vote(session, "dave", 1)  # bob
    await vote(session, "bob", 1)  # carol (bob's ballot leaves out his own answer)
    await session.push("alice: /prep reveal")
    await session.push("alice: /prep prompt")
    for name in ("bob", "carol", "erin"):
        await session.push(f"{name}: reply {TEXT[name]}")
    await vote(session, "carol", 1)  # bob
    await vote(session, "erin", 1)  # bob
    await vote(session, "bob", 2)  # erin (bob's ballot: carol, erin)


async def member_id(db: Database, name: str) -> int | None:
    async with db.unit() as s:
        return (
            await s.execute(select(col(Member.id)).where(col(Member.external_id) == name))
        ).scalar_one_or_none()


async def rows_naming(db: Database, member: int) -> dict[str, int]:
    """Rows in every table with a column pointing at ``member``'s row (any foreign key to member.id)."""
    found: dict[str, int] = {}
    async with db.unit() as s:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if any(fk.column.table.name == "member" for fk in column.foreign_keys):
                    stmt = select(func.count()).select_from(table).where(column == member)
                    if n := int((await s.execute(stmt)).scalar_one()):
                        found[f"{table.name}.{column.name}"] = n
    return found


async def points(ctx: ServiceContext) -> dict[str, int]:
    async with ctx.db.unit() as s:
        space_id = (await s.execute(select(col(PromptPost.space_id)))).scalars().first() or 0
        return {row.name: row.points for row in await ledger.standings(s, space_id=space_id)}


async def test_forget_me_removes_her_answers_votes_and_history_and_recounts_the_rest(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    await two_prompts(session)
    await session.push("carol: /prep quiz culture-values")
    await session.push("carol: press 1")
    await session.push("carol: /prep ask")
    await session.push("carol: press Save")
    await session.push("carol: /prep interview 2027-03-01 netflix")
    await session.push("carol: /prep pair")
    assert await points(ctx) == {"bob": 9, "carol": 7, "dave": 5}
    carol = await member_id(ctx.db, "carol")
    assert carol is not None and await rows_naming(ctx.db, carol)

    [ask] = await session.push("carol: /prep forget-me")
    assert ask.visible_to == "carol" and "cannot be undone" in ask.text
    assert [b.label for b in ask.message.buttons] == ["Forget me", "Cancel"]
    [done] = await session.push("carol: press Forget me", delivery_id="forget-1")
    assert done.visible_to == "carol" and done.text.startswith("Done: prepbot has forgotten you")
    for line in (
        "answers to culture prompts: 2",
        "replies in those answers: 2",
        "votes you cast: 2",
        "votes others cast on your answers: 1",
        "point awards: 2",  # answering P1 and the vote she got there
        "saved questions: 1",
        "pairing opt-ins: 1",
        "your profile (name, time zone, interview date)",
    ):
        assert line in done.text, line
    assert "carol" not in done.text.replace("prepbot", "")  # counts, not her words
    assert TEXT["carol"] not in done.text

    # Nothing points at her row any more, and the row itself is gone.
    assert await rows_naming(ctx.db, carol) == {}
    assert await member_id(ctx.db, "carol") is None
    # Totals: exact against a full recount; bob's P1 vote award lost what carol's vote earned.
    assert await kept(ctx.db) == await recount(ctx.db)
    assert await points(ctx) == {"bob": 7, "dave": 5}

    # The open prompt ranks without her: bob and erin, one vote each.
    await session.push("alice: /prep reveal")
    digest = digests(session)[-1]
    assert "carol" not in digest.text and TEXT["carol"][:40] not in digest.text
    assert "1. “I would roll back first" in digest.text and "— bob — 1 vote" in digest.text
    assert "1. “Write down what we know" in digest.text and "— erin — 1 vote" in digest.text
    assert await kept(ctx.db) == await recount(ctx.db)

    # The platform's retry of the press is dropped; a second press finds nothing.
    assert await session.push("carol: press Forget me on " + ask.ref.id, delivery_id="forget-1") == []
    [again] = await session.push("carol: press Forget me on " + ask.ref.id)
    assert "nothing left to remove" in again.text
    assert await kept(ctx.db) == await recount(ctx.db)


async def test_cancel_and_an_expired_confirmation_remove_nothing(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    await two_prompts(session)
    async with ctx.db.unit() as s:
        before = int((await s.execute(select(func.count()).select_from(Vote))).scalar_one())
    await session.push("carol: /prep forget-me")
    [cancelled] = await session.push("carol: press Cancel")
    assert cancelled.text == "Cancelled: nothing was removed."
    session.clock.advance(dt.timedelta(minutes=16))
    [expired] = await session.push("carol: press Forget me")
    assert "expired" in expired.text and "nothing was removed" in expired.text
    async with ctx.db.unit() as s:
        assert int((await s.execute(select(func.count()).select_from(Vote))).scalar_one()) == before
    assert await member_id(ctx.db, "carol") is not None


async def test_a_confirmation_is_only_its_members_and_a_stranger_has_nothing_to_forget(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    [nothing] = await session.push("zoe: /prep forget-me")
    assert "keeps nothing about you" in nothing.text and not nothing.message.buttons
    [refused] = await session.push("zoe: /prep forget-me now")
    assert "takes no options" in refused.text
    await two_prompts(session)
    carol = await member_id(ctx.db, "carol")
    assert carol is not None
    # Bob replays carol's button value (a forged click): it acts on bob's row or nothing, never carol's.
    forged = ForgetMe(carol, int(session.clock.now().timestamp())).button("Forget me")
    await session.bot.handle(
        ButtonPressed("forged-1", session.current, session.member("bob"), forged.action, forged.value, None),
        session.chat,
    )
    assert "nothing left to remove" in ephemerals(session, "bob")[-1].text
    assert await member_id(ctx.db, "carol") is not None and await member_id(ctx.db, "bob") is not None


async def test_rows_of_others_keep_their_part_and_drop_hers(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    """Challenges, pairing rounds, organizer roles and schedules she touched: others' data stays."""
    from bot.services.forget import forget_for_operator
    from bot.store.models import Organizer, PairingFeedback, PairingNote, PairingRound, PairingSeat

    session.admins.add("alice")
    await session.push("alice: /prep schedule 09:00 UTC")
    await session.push("carol: /prep tz Europe/Paris")
    await session.push("alice: /prep organizers add @carol")
    await session.push("alice: /prep organizers add @bob")
    bob, carol = await member_id(ctx.db, "bob"), await member_id(ctx.db, "carol")
    assert bob is not None and carol is not None
    async with ctx.db.unit() as s:
        space_id = (await s.get(Member, carol)).space_id  # type: ignore[union-attr]
        channel_id = (await s.execute(text("SELECT id FROM channel"))).scalar_one()
        await s.execute(text("UPDATE channel SET schedule_set_by = :m"), {"m": carol})
        await s.execute(
            text("UPDATE organizer SET added_by = :m WHERE member_id = :b"), {"m": carol, "b": bob}
        )
        challenge = Challenge(space_id=space_id, channel_id=channel_id, started_by=carol, active_slot=None)
        s.add(challenge)
        await s.flush()
        won = ChallengeRound(challenge_id=challenge.id or 0, round_no=1, item_id="x", winner_id=carol)
        s.add(won)
        rnd = PairingRound(space_id=space_id, channel_id=channel_id, round_key="week:2026-W01")
        s.add(rnd)
        await s.flush()
        for who, role in ((carol, "interviewer"), (bob, "candidate")):
            s.add(PairingSeat(round_id=rnd.id or 0, member_id=who, group_no=1, role=role))
        for reviewer, candidate in ((carol, bob), (bob, carol)):
            s.add(
                PairingFeedback(
                    space_id=space_id,
                    round_id=rnd.id or 0,
                    candidate_id=candidate,
                    reviewer_id=reviewer,
                    question="structure",
                    rating=4,
                )
            )
            s.add(
                PairingNote(
                    space_id=space_id,
                    round_id=rnd.id or 0,
                    candidate_id=candidate,
                    reviewer_id=reviewer,
                    note="words",
                )
            )
    counts = await forget_for_operator(ctx.db, session.member("carol"))
    assert counts is not None
    assert counts["mock-interview seats"] == 1 and counts["mock-interview ratings"] == 2
    assert counts["mock-interview notes"] == 2 and counts["organizer roles"] == 1
    assert counts["challenge rounds won"] == 1
    async with ctx.db.unit() as s:
        # The challenge she started keeps pointing at an anonymous tombstone; no trace of her in it.
        tomb = await s.get(Member, carol)
        assert tomb is not None and tomb.external_id == f"forgotten-{carol}"
        assert tomb.display_name == "a former member" and tomb.timezone is None
        assert (await s.get(ChallengeRound, won.id)).winner_id is None  # type: ignore[union-attr]
        seats = (await s.execute(select(col(PairingSeat.member_id)))).scalars().all()
        assert seats == [bob]  # the round and bob's seat stay
        assert (await s.execute(select(col(Organizer.member_id), col(Organizer.added_by)))).all() == [
            (bob, None)
        ]
        assert (await s.execute(text("SELECT schedule_set_by FROM channel"))).scalar_one() is None
    assert set(await rows_naming(ctx.db, carol)) == {"challenge.started_by"}
    # Carol using prepbot again gets a fresh row; the tombstone is not hers.
    await session.push("carol: /prep tz Europe/Paris")
    assert await member_id(ctx.db, "carol") not in (None, carol)
    assert await forget_for_operator(ctx.db, session.member("nobody")) is None


async def test_answers_votes_cast_on_others_leave_their_totals_exact(
    session: ConsoleSession, ctx: ServiceContext
) -> None:
    """Bob forgotten: the answer he voted for on the open prompt loses his vote, in the totals too."""
    await two_prompts(session)
    async with ctx.db.unit() as s:
        erin_answer = (
            await s.execute(
                select(col(Answer.id))
                .join(Member, col(Member.id) == col(Answer.member_id))
                .where(col(Member.external_id) == "erin")
            )
        ).scalar_one()
    await session.push("bob: /prep forget-me")
    await session.push("bob: press Forget me")
    async with ctx.db.unit() as s:
        assert (
            await s.execute(select(func.count()).where(col(Vote.answer_id) == erin_answer))
        ).scalar_one() == 0
    assert await kept(ctx.db) == await recount(ctx.db)
    assert await points(ctx) == {"carol": 5, "dave": 5}  # carol's P1 vote award (bob's vote) is gone
