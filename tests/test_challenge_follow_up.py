"""A typed challenge answer that was judged stays handled when announcing its outcome fails.

The play commits with its delivery's claim; the round's summary and the next question
are posted after. When the platform fails that post (the console's outage, as a 5xx
or a timeout would), the core must not give the claim back (a retry of the same
message would be judged a second time, and its winner told someone "answered first").
"""

from __future__ import annotations

from sqlmodel import col, select

from adapters.console.session import ConsoleSession
from bot.events import MessagePosted
from bot.store.models import ChallengeRound, Delivery
from tests.support.quizplay import count
from tests.test_challenge import letter, posts, start


async def test_a_winning_typed_answer_keeps_its_claim_when_its_win_cannot_be_posted(
    session: ConsoleSession,
) -> None:
    shown = await start(session)
    win = MessagePosted(
        session.chat.new_ref(shown.ref.channel), session.member("bob"), letter(session, shown)
    )
    session.chat.outages = 1  # the round's summary fails to post, as a platform outage does
    await session.bot.handle(win, session.chat)  # no NotHandled: the win is stored

    db = session.bot.ctx.db
    assert posts(session, "🏆") == []
    assert await count(db, ChallengeRound, col(ChallengeRound.winner_id).is_not(None)) == 1
    async with db.unit() as s:
        key = f"msg:posted:{win.message.channel.id}:{win.message.id}"
        assert (await s.execute(select(Delivery).where(Delivery.key == key))).first() is not None

    start_at = len(session.chat.log)
    await session.bot.handle(win, session.chat)  # the platform's retry of the same message
    assert session.chat.log[start_at:] == []  # dropped: not judged again, nobody told "answered first"
