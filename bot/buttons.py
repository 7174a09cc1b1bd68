"""Every button the core renders: what it does (``ACTION``) and what it carries (its fields).

A button reaches the platform as two strings, its action and its value, and comes
back with every click. Each kind of button is one frozen dataclass here: ``encode()``
writes its value, ``decode(value)`` reads it back or raises :class:`BadButton` (an
old button from before an upgrade, or a forged one), which the router answers with
"That button is no longer active…". Handlers receive the decoded dataclass, never
the string. The contract every kind follows, the readers of its fields and the
budgets of content ids are in ``bot/button_codec.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from bot.button_codec import (
    ITEM_ID_MAX,
    PACK_ID_MAX,
    QUESTION_MAX,
    TOKEN,
    TOPIC_ID_MAX,
    BadButton,
    ButtonCodec,
    read_choice,
    read_parts,
    read_row_id,
    read_slug,
)


@dataclass(frozen=True)
class SaveQuestion(ButtonCodec):
    """``/prep ask``'s *Save to my prep doc*: the suggested question's item id."""

    ACTION: ClassVar[str] = "ask.save"
    item_id: str

    def encode(self) -> str:
        return self.item_id

    @classmethod
    def decode(cls, value: str) -> Self:
        return cls(read_slug(value, ITEM_ID_MAX))


@dataclass(frozen=True)
class AnotherQuestion(ButtonCodec):
    """``/prep ask``'s *Another question*: carries nothing."""

    ACTION: ClassVar[str] = "ask.next"

    def encode(self) -> str:
        return ""

    @classmethod
    def decode(cls, value: str) -> Self:
        if value:
            raise BadButton("this button carries no value")
        return cls()


@dataclass(frozen=True)
class QuizAnswer(ButtonCodec):
    """A choice on a private question: ``token|item|choice`` (the token names the presentation)."""

    ACTION: ClassVar[str] = "quiz.answer"
    token: str
    item_id: str
    choice: int

    def encode(self) -> str:
        return f"{self.token}|{self.item_id}|{self.choice}"

    @classmethod
    def decode(cls, value: str) -> Self:
        token, item_id, choice = read_parts(value, "|", 3)
        if not TOKEN.fullmatch(token):
            raise BadButton(f"not a presentation token: {token[:24]!r}")
        return cls(token, read_slug(item_id, ITEM_ID_MAX), read_choice(choice))


@dataclass(frozen=True)
class ChallengeAnswer(ButtonCodec):
    """A choice on a challenge round's question: ``r<round id>|item|choice``."""

    ACTION: ClassVar[str] = "challenge.answer"
    round_id: int
    item_id: str
    choice: int

    def encode(self) -> str:
        return f"r{self.round_id}|{self.item_id}|{self.choice}"

    @classmethod
    def decode(cls, value: str) -> Self:
        round_text, item_id, choice = read_parts(value, "|", 3)
        if not round_text.startswith("r"):
            raise BadButton("not a round")
        return cls(read_row_id(round_text[1:]), read_slug(item_id, ITEM_ID_MAX), read_choice(choice))


@dataclass(frozen=True)
class NextQuestion(ButtonCodec):
    """*Next* after a practice answer: the topic to stay on ("" lets prepbot choose)."""

    ACTION: ClassVar[str] = "quiz.next"
    topic: str = ""

    def encode(self) -> str:
        return self.topic

    @classmethod
    def decode(cls, value: str) -> Self:
        return cls(read_slug(value, TOPIC_ID_MAX) if value else "")


@dataclass(frozen=True)
class NextCard(ButtonCodec):
    """*Next* after a review answer: the next due card; carries nothing."""

    ACTION: ClassVar[str] = "review.next"

    def encode(self) -> str:
        return ""

    @classmethod
    def decode(cls, value: str) -> Self:
        # Review's Next has always been sent with an empty value; anything else is not ours.
        if value:
            raise BadButton("this button carries no value")
        return cls()


@dataclass(frozen=True)
class ReportItem(ButtonCodec):
    """*Report a problem* under an answer: ``pack|item`` (it opens a form)."""

    ACTION: ClassVar[str] = "report"
    pack_id: str
    item_id: str

    def encode(self) -> str:
        return f"{self.pack_id}|{self.item_id}"

    @classmethod
    def decode(cls, value: str) -> Self:
        pack_id, item_id = read_parts(value, "|", 2)
        return cls(read_slug(pack_id, PACK_ID_MAX), read_slug(item_id, ITEM_ID_MAX))


@dataclass(frozen=True)
class OpenBallot(ButtonCodec):
    """*Vote* on a culture prompt: the prompt's row id."""

    ACTION: ClassVar[str] = "prompt.ballot"
    prompt_id: int

    def encode(self) -> str:
        return str(self.prompt_id)

    @classmethod
    def decode(cls, value: str) -> Self:
        return cls(read_row_id(value))


@dataclass(frozen=True)
class VoteChoice(ButtonCodec):
    """An answer on a ballot (vote, or withdraw): ``prompt:answer`` row ids."""

    ACTION: ClassVar[str] = "prompt.vote"
    prompt_id: int
    answer_id: int

    def encode(self) -> str:
        return f"{self.prompt_id}:{self.answer_id}"

    @classmethod
    def decode(cls, value: str) -> Self:
        prompt_id, answer_id = read_parts(value, ":", 2)
        return cls(read_row_id(prompt_id), read_row_id(answer_id))


@dataclass(frozen=True)
class RateInterview(ButtonCodec):
    """A 1–5 rating of a mock-interview candidate on one question: ``round:candidate:question:score``."""

    ACTION: ClassVar[str] = "pair.rate"
    round_id: int
    candidate_id: int
    question: str
    rating: int

    def encode(self) -> str:
        return f"{self.round_id}:{self.candidate_id}:{self.question}:{self.rating}"

    @classmethod
    def decode(cls, value: str) -> Self:
        round_id, candidate_id, question, rating = read_parts(value, ":", 4)
        if rating not in {"1", "2", "3", "4", "5"}:
            raise BadButton(f"not a rating: {rating[:8]!r}")
        return cls(
            read_row_id(round_id), read_row_id(candidate_id), read_slug(question, QUESTION_MAX), int(rating)
        )


@dataclass(frozen=True)
class CheckInAnswer(ButtonCodec):
    """Either side of a mock interview answers the check-in: ``round:met`` or ``round:not_yet``."""

    ACTION: ClassVar[str] = "pair.met"
    round_id: int
    met: bool

    def encode(self) -> str:
        return f"{self.round_id}:{'met' if self.met else 'not_yet'}"

    @classmethod
    def decode(cls, value: str) -> Self:
        round_id, answer = read_parts(value, ":", 2)
        if answer not in {"met", "not_yet"}:
            raise BadButton(f"not a check-in answer: {answer[:8]!r}")
        return cls(read_row_id(round_id), answer == "met")


@dataclass(frozen=True)
class PairNote(ButtonCodec):
    """The interviewer's written note for one candidate of a round (opens a form): ``round:candidate``."""

    ACTION: ClassVar[str] = "pair.note"
    round_id: int
    candidate_id: int

    def encode(self) -> str:
        return f"{self.round_id}:{self.candidate_id}"

    @classmethod
    def decode(cls, value: str) -> Self:
        round_id, candidate_id = read_parts(value, ":", 2)
        return cls(read_row_id(round_id), read_row_id(candidate_id))


@dataclass(frozen=True)
class ForgetMe(ButtonCodec):
    """``/prep forget-me``'s confirmation: ``member:issued`` (the member's row id, UNIX seconds).

    The row id makes a press by anyone else, or after the data already went, a no-op;
    the time lets an old confirmation expire.
    """

    ACTION: ClassVar[str] = "forget.confirm"
    member_id: int
    issued: int

    def encode(self) -> str:
        return f"{self.member_id}:{self.issued}"

    @classmethod
    def decode(cls, value: str) -> Self:
        member_id, issued = read_parts(value, ":", 2)
        return cls(read_row_id(member_id), read_row_id(issued))


@dataclass(frozen=True)
class KeepMyData(ButtonCodec):
    """``/prep forget-me``'s Cancel: carries nothing."""

    ACTION: ClassVar[str] = "forget.cancel"

    def encode(self) -> str:
        return ""

    @classmethod
    def decode(cls, value: str) -> Self:
        if value:
            raise BadButton("this button carries no value")
        return cls()


CODECS: tuple[type[ButtonCodec], ...] = (
    SaveQuestion,
    AnotherQuestion,
    QuizAnswer,
    ChallengeAnswer,
    NextQuestion,
    NextCard,
    ReportItem,
    OpenBallot,
    VoteChoice,
    RateInterview,
    CheckInAnswer,
    PairNote,
    ForgetMe,
    KeepMyData,
)
