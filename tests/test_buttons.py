"""Button codecs: every kind round-trips, fits the strictest platform limit, and refuses a stale value."""

from __future__ import annotations

import pytest

from adapters.console.session import ConsoleSession
from bot.button_codec import (
    ID_MAX,
    ITEM_ID_MAX,
    PACK_ID_MAX,
    QUESTION_MAX,
    TOPIC_ID_MAX,
    BadButton,
    ButtonCodec,
)
from bot.buttons import (
    CODECS,
    AnotherQuestion,
    ChallengeAnswer,
    CheckInAnswer,
    ForgetMe,
    KeepMyData,
    NextCard,
    NextQuestion,
    OpenBallot,
    PairNote,
    QuizAnswer,
    RateInterview,
    ReportItem,
    SaveQuestion,
    VoteChoice,
)
from bot.domain import ChannelRef
from bot.events import ButtonPressed
from bot.render import BUTTON_ID_LIMIT

ITEM, PACK, TOPIC = "i" * ITEM_ID_MAX, "p" * PACK_ID_MAX, "t" * TOPIC_ID_MAX

# Each kind with the largest value it can carry.
LARGEST: list[ButtonCodec] = [
    SaveQuestion(ITEM),
    AnotherQuestion(),
    QuizAnswer("t" + "f" * 11, ITEM, 4),
    ChallengeAnswer(ID_MAX, ITEM, 4),
    NextQuestion(TOPIC),
    NextCard(),
    ReportItem(PACK, ITEM),
    OpenBallot(ID_MAX),
    VoteChoice(ID_MAX, ID_MAX),
    RateInterview(ID_MAX, ID_MAX, "q" * QUESTION_MAX, 5),
    CheckInAnswer(ID_MAX, False),
    PairNote(ID_MAX, ID_MAX),
    ForgetMe(ID_MAX, ID_MAX),
    KeepMyData(),
]


def test_every_kind_is_covered_once_with_distinct_actions() -> None:
    assert sorted(type(c).__name__ for c in LARGEST) == sorted(c.__name__ for c in CODECS)
    assert len({c.ACTION for c in CODECS}) == len(CODECS)


@pytest.mark.parametrize("codec", LARGEST, ids=lambda c: type(c).__name__)
def test_the_largest_value_round_trips_within_discords_custom_id(codec: ButtonCodec) -> None:
    button = codec.button("label")
    assert type(codec).decode(button.value) == codec
    # The strictest limit: Discord's 100-character custom_id, around the adapter's envelope.
    assert len(button.action) + len(button.value) <= BUTTON_ID_LIMIT
    assert len(f"prepform:{button.action}:{button.value}") <= 100


@pytest.mark.parametrize(
    ("codec", "value"),
    [
        (VoteChoice, "12"),
        (VoteChoice, "12:x"),
        (VoteChoice, "0:3"),
        (VoteChoice, f"1:{ID_MAX + 1}"),
        (QuizAnswer, "x123|item|1"),
        (QuizAnswer, "tabcdefabcde|item|9"),
        (ChallengeAnswer, "12|item|1"),
        (ReportItem, "pack-only"),
        (RateInterview, "1:2:structure:6"),
        (SaveQuestion, "Not A Slug"),
        (SaveQuestion, "x" * (ITEM_ID_MAX + 1)),
        (NextCard, "anything"),
        (OpenBallot, "²"),
        (ForgetMe, "12"),
        (ForgetMe, "12:-5"),
        (KeepMyData, "12"),
    ],
)
def test_a_malformed_value_is_refused_clearly(codec: type[ButtonCodec], value: str) -> None:
    with pytest.raises(BadButton):
        codec.decode(value)


def test_an_oversized_value_fails_where_the_button_is_made() -> None:
    with pytest.raises(BadButton):
        SaveQuestion("x" * (ITEM_ID_MAX + 1)).button("Save")


async def test_a_stale_button_is_answered_privately_not_with_a_traceback(session: ConsoleSession) -> None:
    channel = ChannelRef(session.space, "general")
    start = len(session.chat.log)
    press = ButtonPressed("stale-1", channel, session.member("alice"), VoteChoice.ACTION, "12:x")
    await session.bot.handle(press, session.chat)
    sent = session.chat.log[start:]
    assert [s.message.text for s in sent] == ["That button is no longer active. Run the command again."]
    assert sent[0].visible_to == "alice"
