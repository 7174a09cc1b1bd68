"""A question is posted by the one holder of its post lease, once (real SQLite and PostgreSQL).

Opening a round leases its question's post to the opener, who first posts something
else (the last round's summary, or the challenge's intro). When that post is slow (a
rate limit waited out, a busy pacer), the lease runs out and a tick on any replica takes
the question over and posts it: the opener, its own post done, must then see that the
lease is no longer its own and leave the question alone. The same holds for a challenge
stopped meanwhile: its question never appears after "Challenge over".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable

import pytest

from adapters.console.session import ConsoleSession
from bot.domain import ChannelRef
from bot.render import OutboundMessage
from bot.services import challenge_clock
from bot.services.challenge_rounds import POST_BACKOFF, POST_LEASE
from tests.test_challenge import letter, posts, read, start, topic_of
from tests.test_challenge_posts import second_round

PAST_LEASE = POST_LEASE + dt.timedelta(seconds=1)


def slow_post(
    session: ConsoleSession,
    monkeypatch: pytest.MonkeyPatch,
    marker: str,
    meanwhile: Callable[[], Awaitable[object]],
) -> None:
    """The first post whose text holds ``marker`` runs ``meanwhile`` before it arrives (a slow post)."""
    chat, real, left = session.chat, session.chat.post, [1]

    async def post(channel: ChannelRef, message: OutboundMessage) -> object:
        if marker in message.text and left[0]:
            left[0] -= 1
            await meanwhile()
        return await real(channel, message)

    monkeypatch.setattr(chat, "post", post)


def tick_past_the_lease(session: ConsoleSession) -> Callable[[], Awaitable[None]]:
    async def meanwhile() -> None:
        session.clock.advance(PAST_LEASE)  # the post waited out a long Retry-After
        await challenge_clock.tick(session.bot.ctx, session.chat)  # another replica's tick

    return meanwhile


async def test_a_tick_during_a_slow_summary_post_leaves_the_next_question_posted_once(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = await start(session, rounds=3)
    await session.push("bob: say I have no idea")
    slow_post(session, monkeypatch, "🏆", tick_past_the_lease(session))
    await session.push(f"carol: say {letter(session, shown)}")
    assert "carol got it" in posts(session, "🏆")[0].text
    [second] = posts(session, "Round 2/3")
    read(session)
    await session.push(f"bob: say {letter(session, second)}")  # the round is on the clock
    assert "bob got it" in posts(session, "🏆")[-1].text
    assert len(posts(session, "Round 3/3")) == 1


async def test_a_tick_during_a_slow_intro_leaves_the_first_question_posted_once(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_post(session, monkeypatch, "started a challenge", tick_past_the_lease(session))
    await session.push(f"alice: /prep challenge {topic_of(session)} 2")
    assert len(posts(session, "started a challenge")) == 1
    assert len(posts(session, "Round 1/2")) == 1
    await session.push("clock +1m")
    assert len(posts(session, "Round 1/2")) == 1 and len(posts(session, "Round 2/2")) == 1


async def test_a_challenge_stopped_during_the_summary_post_never_shows_its_next_question(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = await start(session, rounds=3)
    await session.push("bob: say I have no idea")

    async def stop() -> None:
        await session.push("alice: /prep challenge stop")

    slow_post(session, monkeypatch, "🏆", stop)
    await session.push(f"carol: say {letter(session, shown)}")
    assert len(posts(session, "Challenge over")) == 1 and len(posts(session, "🏆")) == 1
    assert posts(session, "Round 2/3") == []
    await session.push("clock +1m")
    assert posts(session, "Round 2/3") == [] and len(posts(session, "Challenge over")) == 1


async def test_a_poster_whose_lease_ran_out_leaves_the_new_holders_back_off_alone(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Round 2's first post hangs past its lease and fails; meanwhile a tick's retry failed too.
    The retry's longer back-off stands: the first poster no longer holds the lease to move it."""
    shown = await start(session, rounds=3)
    await session.push("bob: say I have no idea")
    chat, real, tried = session.chat, session.chat.post, []

    async def post(channel: ChannelRef, message: OutboundMessage) -> object:
        if message.text.startswith("Round 2/"):
            tried.append(session.clock.now())
            if len(tried) == 1:
                await tick_past_the_lease(session)()
            if len(tried) <= 2:
                raise ConnectionError("the platform did not answer (console outage)")
        return await real(channel, message)

    monkeypatch.setattr(chat, "post", post)
    await session.push(f"carol: say {letter(session, shown)}")
    assert len(tried) == 2 and posts(session, "Round 2/3") == []
    rnd = await second_round(session)
    assert rnd.post_attempts == 2 and rnd.post_lease_until == tried[1] + 2 * POST_BACKOFF
    await session.push("clock +6s")  # the first poster's shorter back-off would have run out
    assert len(tried) == 2
    await session.push("clock +5s")
    assert len(tried) == 3 and len(posts(session, "Round 2/3")) == 1
