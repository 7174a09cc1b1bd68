"""Slack `/prep help` ack latency, bursts of 200 concurrent signed requests, against a bare bolt app.

Both servers are real processes on 127.0.0.1: ``prepbot serve slack`` on a SQLite
file in a temp dir, and the baseline from :mod:`bench.servers` (a bolt
``AsyncApp`` on bolt's aiohttp adapter, same signing secret, whose ``/prep``
handler only acks). Their Web API is the fake Slack of ``tests/support``, in this
process. The command is ``/prep help`` (prepbot acks, then answers with
``chat.postEphemeral`` after the ack; the bench waits for every answer between
bursts, and fails if one is missing). Each burst sends 200 requests at once from
one aiohttp session (connector limit 256), signed just before; latency is request
start to response read. One untimed warm-up burst per server, then ``ROUNDS``
bursts alternating between the two.

The members of a burst come from ``TEAMS`` workspaces: prepbot paces its Web API
calls at Slack's documented per-workspace limits (``chat.postEphemeral`` is tier 4,
100 a minute), so one workspace's 200 answers would take two minutes and leave the
bench waiting; across ``TEAMS``, every answer of a burst goes out within seconds,
before the next burst, and a run takes about 15 s instead of six minutes.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import aiohttp

from bench.common import Result, percentile
from bench.servers import SIGNING_SECRET, Server, bare_slack, prepbot_slack, serving
from tests.support.fake_slack import FakeSlack, fixture

BURST = 200
ROUNDS = 3
USERS = 20
# Members spread over workspaces: each gets BURST / TEAMS answers a burst, and over all
# bursts of a run that stays under the pacer's chat.postEphemeral limit for one workspace.
TEAMS = 10
EPHEMERALS_PER_MINUTE = 100  # Slack's tier 4 (adapters.slack.ratelimits)
COMMAND = "help"
ANSWER_WAIT_S = 30.0


def _form(fake: FakeSlack, n: int) -> bytes:
    user = f"U0BENCH{n % USERS:02d}"
    team = n % USERS % TEAMS  # a member always belongs to the same workspace
    form = fixture(
        "slash_command",
        team_id=f"T0BENCH{team}",
        team_domain=f"bench{team}",
        text=COMMAND,
        user_id=user,
        user_name=f"bench{n % USERS}",
        channel_id="C0GENERAL",
        trigger_id=f"{n}.{uuid.uuid4().hex[:12]}",
        response_url=fake.response_url(),
    )
    return urlencode(form).encode()


async def _burst(http: aiohttp.ClientSession, server: Server, fake: FakeSlack, first: int) -> list[float]:
    """One burst of BURST concurrent commands; the latency of each, in ms (raises on a non-200)."""
    url = f"{server.base}/slack/events"
    signed = []
    for n in range(first, first + BURST):
        body = _form(fake, n)
        signed.append((body, {"Content-Type": "application/x-www-form-urlencoded", **fake.sign(body)}))

    async def one(body: bytes, headers: dict[str, str]) -> float:
        started = time.perf_counter()
        async with http.post(url, data=body, headers=headers) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"{url} answered {response.status}")
        return (time.perf_counter() - started) * 1000

    return list(await asyncio.gather(*(one(body, headers) for body, headers in signed)))


async def _answered(fake: FakeSlack, expected: int) -> int:
    """Wait until prepbot has answered ``expected`` commands (its work after the ack); how many did."""
    deadline = time.monotonic() + ANSWER_WAIT_S
    while time.monotonic() < deadline:
        done = len(fake.sent("chat.postEphemeral")) + len(fake.responses)
        if done >= expected:
            return done
        await asyncio.sleep(0.05)
    done = len(fake.sent("chat.postEphemeral")) + len(fake.responses)
    raise RuntimeError(f"prepbot answered {done} of {expected} commands within {ANSWER_WAIT_S:.0f} s")


async def run() -> list[Result]:
    assert (ROUNDS + 1) * BURST // TEAMS < EPHEMERALS_PER_MINUTE, "more workspaces: answers would be paced"
    ours: list[float] = []
    bare: list[float] = []
    with tempfile.TemporaryDirectory(prefix="prepbot-bench-") as tmp:
        folder = Path(tmp)
        (folder / "ours").mkdir()
        (folder / "bare").mkdir()
        async with FakeSlack(signing_secret=SIGNING_SECRET) as fake:
            for n in range(USERS):
                fake.add_user(f"U0BENCH{n:02d}", f"bench{n}")
            ours_cmd, ours_env = prepbot_slack(folder / "ours", fake.api_url)
            bare_cmd, bare_env = bare_slack(folder / "bare", fake.api_url)
            async with (
                serving(ours_cmd, ours_env, folder / "ours" / "server.log") as prepbot,
                serving(bare_cmd, bare_env, folder / "bare" / "server.log") as baseline,
            ):
                await asyncio.gather(prepbot.healthy(), baseline.healthy())
                connector = aiohttp.TCPConnector(limit=BURST + 56)
                async with aiohttp.ClientSession(connector=connector) as http:
                    sent = 0
                    for round_ in range(ROUNDS + 1):  # round 0 warms both up, untimed
                        timed = await _burst(http, prepbot, fake, sent)
                        sent += BURST
                        answered = await _answered(fake, sent)
                        timed_bare = await _burst(http, baseline, fake, sent + 1_000_000)
                        if round_:
                            ours += timed
                            bare += timed_bare
    note = (
        f"{len(ours)} requests per side in {ROUNDS} bursts of {BURST}; "
        f"prepbot answered {answered}/{sent} after its acks"
    )
    return [
        Result(
            f"Slack /prep {COMMAND} ack p50, {BURST} concurrent",
            percentile(ours, 50),
            percentile(bare, 50),
            "ms",
            note=note,
        ),
        Result(
            f"Slack /prep {COMMAND} ack p99, {BURST} concurrent",
            percentile(ours, 99),
            percentile(bare, 99),
            "ms",
        ),
    ]
