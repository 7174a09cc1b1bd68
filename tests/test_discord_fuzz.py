"""Discord interactions whose ``data`` has unexpected shapes never crash the client.

Discord validates an interaction's envelope, but what ``data`` holds can still
surprise a bot: an option of the wrong type, a sub-command it does not know, a
button or modal from an older version, values missing or null. Hypothesis
mutates real interactions (a command, an autocomplete, a button press, a modal
submit) and the real discord.py client handles each through the fake gateway.
The bot answers or ignores them; no handler raises (nothing is logged at
ERROR), and at the end the bot still answers a plain command.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content import Library
from tests.support.discord_harness import Running, running_bot
from tests.support.discord_payloads import buttons, snowflake
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_discord_rest import Interaction
from tests.support.loop_thread import LoopThread

pytestmark = pytest.mark.fuzz

KINDS = ("command", "autocomplete", "click", "submit")
SUBCOMMANDS = ("help", "quiz", "challenge", "leaderboard", "schedule", "pair", "interview", "tz", "nope")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)


class Errors(logging.Handler):
    """Every record at ERROR or above, from any thread: a handler that raised."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class ThreadedDiscord(LoopThread):
    """The fake Discord and prepbot's client on their own loop, with real interactions to mutate."""

    def __init__(self, database_url: str, library: Library) -> None:
        super().__init__()
        self.database_url, self.library = database_url, library
        self.app: Running | None = None
        self.samples: dict[str, dict[str, Any]] = {}

    async def serve(self, stop: asyncio.Event) -> None:
        fake = await FakeDiscord().start()
        try:
            async with running_bot(fake, self.database_url, self.library) as app:
                self.app = app
                await self._collect_samples(app)
                self.ready()
                await stop.wait()
        finally:
            await fake.close()

    async def _collect_samples(self, app: Running) -> None:
        """One real interaction of each kind, as the fake would send it."""
        fake = app.fake
        await app.send("INTERACTION_CREATE", fake.command("dana", "prompt"))
        [post] = await fake.until(lambda: [p for p in fake.posts() if buttons(p)])
        await app.settle()
        vote = next(b["custom_id"] for b in buttons(post) if b["label"] == "Vote")
        answer = next(b["custom_id"] for b in buttons(post) if b["label"] == "Answer")
        self.samples = {
            "command": fake.command("alice", "quiz", topic="culture-values"),
            "autocomplete": fake.autocomplete("alice", "quiz", "topic", topic="cul"),
            "click": fake.click("alice", post, vote),
        }
        opened = fake.click("alice", post, answer)
        await app.send("INTERACTION_CREATE", opened)
        modal = await fake.until(lambda: fake.interactions[opened["id"]].callbacks)
        self.samples["submit"] = fake.submit("alice", post, modal[0]["data"], "Roll back first.")

    def handle(self, kind: str, payload: dict[str, Any]) -> None:
        """Dispatch one interaction (as a new one) and wait until the bot is done with it.

        The gateway is ordered: once the bot has answered a sentinel autocomplete
        sent right after, it has received this interaction and started on it; then
        the handlers are drained.
        """
        assert self.app is not None
        app = self.app
        payload = self._fresh(payload)
        sentinel = self._fresh(self.samples["autocomplete"])

        async def go() -> None:
            await app.send("INTERACTION_CREATE", payload)
            await app.send("INTERACTION_CREATE", sentinel)
            await app.fake.until(lambda: app.fake.interactions[sentinel["id"]].callbacks, timeout=20)
            await app.client.handler.drain()
            await app.fake.quiet(0.02)

        self.run(go())

    def _fresh(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The same interaction under a new id and token, known to the fake."""
        assert self.app is not None
        payload = {**payload, "id": snowflake(), "token": f"itoken-{snowflake()}"}
        self.app.fake.interactions[payload["id"]] = Interaction(payload)
        return payload


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, library: Library) -> Iterator[ThreadedDiscord]:
    path = Path(tmp_path_factory.mktemp("discord-fuzz")) / "prepbot.db"
    with ThreadedDiscord(f"sqlite+aiosqlite:///{path}", library) as running:
        yield running


@pytest.fixture(scope="module")
def errors() -> Iterator[Errors]:
    handler = Errors()
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)


@st.composite
def mutated(draw: st.DrawFn, samples: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """A real interaction whose ``data`` has fields removed or replaced by random JSON."""
    kind = draw(st.sampled_from(KINDS))
    payload = copy.deepcopy(samples[kind])
    data = payload["data"]
    if kind in ("command", "autocomplete") and draw(st.booleans()):
        data["options"][0]["name"] = draw(st.sampled_from(SUBCOMMANDS))
    for _ in range(draw(st.integers(1, 4))):
        target: Any = data
        while draw(st.booleans()):
            children = [v for v in (target.values() if isinstance(target, dict) else target)]
            nested = [c for c in children if isinstance(c, dict | list) and c]
            if not nested:
                break
            target = draw(st.sampled_from(nested))
        if isinstance(target, dict) and target:
            key = draw(st.sampled_from(sorted(target)))
            if draw(st.booleans()):
                del target[key]
            else:
                target[key] = draw(json_values)
        elif isinstance(target, list) and target:
            target[draw(st.integers(0, len(target) - 1))] = draw(json_values)
    return kind, payload


def _check(served: ThreadedDiscord, errors: Errors, kind: str, payload: dict[str, Any]) -> None:
    before = len(errors.records)
    served.handle(kind, payload)
    raised = [f"{r.name}: {r.getMessage()}" for r in errors.records[before:]]
    assert not raised, raised


def test_a_plain_command_still_works(served: ThreadedDiscord) -> None:
    assert served.app is not None
    fake = served.app.fake
    before = len(fake.whispers("alice"))
    served.handle("command", fake.command("alice", "help"))
    assert len(fake.whispers("alice")) > before


def _set(path: tuple[str | int, ...], value: Any) -> Any:
    def change(payload: dict[str, Any]) -> None:
        target: Any = payload["data"]
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return change


# Each case once broke the client (issue 12): the first ended Client.start() (KeyError in
# discord.py's gateway parser), the others raised in a handler and logged a traceback.
PINNED = {
    "a click without custom_id": ("click", _set(("custom_id",), KeyError)),
    "a modal submit whose components are null": ("submit", _set(("components",), None)),
    "a command option without a name": ("command", _set(("options", 0, "name"), KeyError)),
    "an option value of the wrong type": ("command", _set(("options", 0, "options", 0, "value"), {"x": 1})),
    "an unknown sub-command": ("command", _set(("options", 0, "name"), "nope")),
    "autocomplete for an option without suggestions": ("autocomplete", _set(("options", 0, "name"), "help")),
    "a select with values of the wrong type": ("click", _set(("values",), [None, {"a": 1}])),
}


@pytest.mark.parametrize("case", sorted(PINNED))
def test_pinned_interactions_are_answered_or_ignored(
    served: ThreadedDiscord, errors: Errors, case: str
) -> None:
    kind, change = PINNED[case]
    payload = copy.deepcopy(served.samples[kind])
    change(payload)
    _check(served, errors, kind, payload)


@given(data=st.data())
@settings(max_examples=max(20, settings.default.max_examples // 4))
def test_mutated_interactions_never_crash_a_handler(
    served: ThreadedDiscord, errors: Errors, data: st.DataObject
) -> None:
    kind, payload = data.draw(mutated(served.samples))
    _check(served, errors, kind, payload)
