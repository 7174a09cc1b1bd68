"""Random and malformed Slack requests, signed or not, never get a 5xx from the real listener.

Hypothesis drives plain blocking HTTP requests; the listener, the fake Slack and
the database live on an event loop in a background thread for the whole test.
"""

from __future__ import annotations

import asyncio
import copy
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.clock import SystemClock
from bot.content import Library
from bot.services.context import ServiceContext
from bot.settings import Settings
from bot.store.engine import Database
from bot.store.migrate import upgrade
from tests.support.fake_slack import FakeSlack, fixture, slack_app_on
from tests.support.loop_thread import LoopThread

pytestmark = pytest.mark.fuzz

FORM = "application/x-www-form-urlencoded"
FIXTURES = ("slash_command", "block_actions", "event_callback", "url_verification", "app_mention", "message")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


class ThreadedSlack(LoopThread):
    """prepbot's Slack listener and a fake Slack, served from their own thread and loop."""

    def __init__(self, database_url: str, library: Library) -> None:
        super().__init__()
        self.database_url, self.library = database_url, library
        self.fake: FakeSlack | None = None

    async def serve(self, stop: asyncio.Event) -> None:
        db = Database(self.database_url)
        await upgrade(db)
        ctx = ServiceContext(db=db, library=self.library, clock=SystemClock(), settings=Settings())
        try:
            async with FakeSlack() as fake, slack_app_on(ctx, fake):
                fake.add_user("U0ALICE", "alice")
                self.fake = fake
                self.ready()
                await stop.wait()
        finally:
            await db.dispose()

    def post(self, body: bytes, content_type: str, *, signed: bool = True) -> int:
        assert self.fake is not None
        headers = {"Content-Type": content_type, **(self.fake.sign(body) if signed else {})}
        request = urllib.request.Request(self.fake.app_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


@pytest.fixture(scope="module")
def listener(tmp_path_factory: pytest.TempPathFactory, library: Library) -> Iterator[ThreadedSlack]:
    path = Path(tmp_path_factory.mktemp("fuzz")) / "prepbot.db"
    with ThreadedSlack(f"sqlite+aiosqlite:///{path}", library) as served:
        yield served


@st.composite
def mutated_fixture(draw: st.DrawFn) -> dict[str, Any]:
    """A real Slack payload with some fields removed or replaced by random JSON."""
    payload = copy.deepcopy(fixture(draw(st.sampled_from(FIXTURES))))
    for _ in range(draw(st.integers(0, 4))):
        target: Any = payload
        while isinstance(target, dict) and target and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(target)))
            if not isinstance(target[key], dict):
                break
            target = target[key]
        if isinstance(target, dict) and target:
            key = draw(st.sampled_from(sorted(target)))
            if draw(st.booleans()):
                del target[key]
            else:
                target[key] = draw(json_values)
    return payload


def _as_request(payload: dict[str, Any], how: str) -> tuple[bytes, str]:
    if how == "json":
        return json.dumps(payload).encode(), "application/json"
    if how == "interactive":
        return urlencode({"payload": json.dumps(payload)}).encode(), FORM
    flat = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in payload.items()}
    return urlencode(flat).encode(), FORM


# Each @example is a request that once got a 5xx from the listener (issue 12).
@given(payload=mutated_fixture(), how=st.sampled_from(["json", "interactive", "form"]))
@example(payload={**fixture("event_callback"), "event": None}, how="interactive")
@example(payload={**fixture("block_actions"), "type": "view_submission", "view": None}, how="interactive")
@example(payload={**fixture("block_actions"), "type": "view_closed", "view": None}, how="interactive")
@example(payload={**fixture("block_actions"), "type": "event_callback"}, how="interactive")
@example(payload={**fixture("slash_command"), "type": "block_actions", "event": None}, how="form")
@example(payload={**fixture("slash_command"), "type": "app_rate_limited", "event": None}, how="json")
@example(payload={**fixture("url_verification"), "type": "shortcut", "event": None}, how="interactive")
def test_mutated_payloads_never_get_a_5xx(listener: ThreadedSlack, payload: dict[str, Any], how: str) -> None:
    body, content_type = _as_request(payload, how)
    assert listener.post(body, content_type) < 500


@pytest.mark.parametrize("depth", [100, 1000, 20_000])
@pytest.mark.parametrize("how", ["json", "interactive"])
def test_deeply_nested_json_gets_a_400(listener: ThreadedSlack, depth: int, how: str) -> None:
    """JSON nested deeper than any Slack payload once raised RecursionError in the guard (a 500)."""
    inner = '{"a":' * depth + "{}" + "}" * depth
    head = '{"type": "event_callback", "event_id": "Ev1", "team_id": "T1", "event": {"type": "x"}, "x": '
    text = head + inner + "}"
    if how == "json":
        assert listener.post(text.encode(), "application/json") == 400
    else:
        assert listener.post(urlencode({"payload": text}).encode(), FORM) == 400


@given(
    body=st.binary(max_size=2048),
    content_type=st.sampled_from([FORM, "application/json", "text/plain", "multipart/form-data"]),
    signed=st.booleans(),
)
def test_random_bytes_never_get_a_5xx(
    listener: ThreadedSlack, body: bytes, content_type: str, signed: bool
) -> None:
    status = listener.post(body, content_type, signed=signed)
    assert status < 500
    if not signed:
        assert status == 401
