"""The shape of a content pack: pydantic models for the pack file and its items.

A pack is a folder ``content/<company>/`` holding ``pack.yaml`` (metadata,
sources, topics) and any number of item files, each naming one topic and listing
items of several kinds. Every model forbids unknown fields so a typo in a key is
an error, not silently ignored text.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, TypeAdapter, field_validator

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
Text = Annotated[str, Field(min_length=1)]
Difficulty = Literal["easy", "medium", "hard"]
Round = Literal["recruiter-screen", "hiring-manager", "technical", "system-design", "culture", "any"]
Interviewer = Literal[
    "recruiter", "hiring-manager", "engineer", "senior-engineer", "leader", "partner", "any"
]


class Strict(BaseModel):
    # Validators are built on first use (defer_build): only loading content validates it, and a
    # server gets its library already loaded (host.content_apart), so it never builds them.
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class Source(Strict):
    """A public document the pack's facts come from."""

    url: HttpUrl
    title: Text
    as_of: dt.date | None = None


class Topic(Strict):
    """One area of preparation, such as ``culture-values``."""

    id: Slug
    title: Text
    summary: Text


class PackMeta(Strict):
    """The contents of ``pack.yaml``.

    ``values`` and ``practices`` are the vocabulary scenario labels come from: the
    company's own published values and the practices its culture document names.
    When ``values`` is given, a scenario label outside the vocabulary is an error.
    ``reviewed`` is the date the pack as a whole was last reviewed; facts whose
    ``as_of`` is more than a year older draw a warning from ``content lint``.
    """

    id: Slug
    company: Text
    title: Text
    description: Text
    reviewed: dt.date | None = None
    values: list[Text] = Field(default_factory=list)
    practices: list[Text] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    topics: list[Topic] = Field(min_length=1)

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every label a scenario may carry in ``values``."""
        return frozenset(v.casefold() for v in [*self.values, *self.practices])


class ItemBase(Strict):
    """Fields every item carries: identity, level, the round it prepares for, citation.

    ``source`` is the page the fact comes from, and should be the edition the item
    quotes (the 2009 deck's first edition, not a later one). Prefer the company's
    own pages; ``press: true`` marks a source that is press coverage, allowed only
    where no company page states the fact. ``as_of`` is the date the fact was last
    checked against that source (not the date the item was written); lint warns
    when it is more than a year older than the pack's ``reviewed`` date.
    """

    id: Slug
    difficulty: Difficulty
    round: Round
    tags: list[Slug] = Field(default_factory=list)
    source: HttpUrl | None = None
    press: bool = False
    as_of: dt.date | None = None


class MultipleChoice(ItemBase):
    """A question with one correct choice among plausible distractors."""

    kind: Literal["mcq"]
    question: Text
    choices: list[Text] = Field(min_length=2, max_length=5)
    answer: Text
    explanation: Text

    @field_validator("choices")
    @classmethod
    def _distinct_choices(cls, choices: list[str]) -> list[str]:
        folded = [c.casefold() for c in choices]
        if len(set(folded)) != len(folded):
            raise ValueError("choices must be distinct")
        return choices

    @property
    def answer_index(self) -> int:
        return self.choices.index(self.answer)


class FreeText(ItemBase):
    """A question answered by typing; any accepted answer counts."""

    kind: Literal["free_text"]
    question: Text
    accepted: list[Text] = Field(min_length=1)
    explanation: Text


class Scenario(ItemBase):
    """A culture scenario: a situation, the values it probes, and what a strong answer covers.

    ``values`` come from the pack's vocabulary (its values and named practices);
    ``skills`` names engineering skills a role scenario also probes, shown apart.
    """

    kind: Literal["scenario"]
    title: Text
    situation: Text
    values: list[Text] = Field(min_length=1)
    skills: list[Text] = Field(default_factory=list)
    rubric: list[Text] = Field(min_length=2)
    follow_ups: list[Text] = Field(min_length=1)


class AskQuestion(ItemBase):
    """A question a candidate can ask an interviewer."""

    kind: Literal["ask"]
    question: Text
    why: Text
    listen_for: Text
    interviewers: list[Interviewer] = Field(min_length=1)


class Reflection(ItemBase):
    """A prompt that helps a member build their own story, with what to cover."""

    kind: Literal["reflection"]
    prompt: Text
    guidance: list[Text] = Field(min_length=1)


Item = Annotated[
    MultipleChoice | FreeText | Scenario | AskQuestion | Reflection,
    Field(discriminator="kind"),
]
ITEM_ADAPTER: TypeAdapter[Item] = TypeAdapter(Item, config=ConfigDict(defer_build=True))
KINDS = ("mcq", "free_text", "scenario", "ask", "reflection")
QUIZ_KINDS = ("mcq", "free_text")
FACT_KINDS = ("mcq", "free_text")


def item_prompt_text(item: Item) -> str:
    """The words a member reads first: what near-duplicate checks compare."""
    if isinstance(item, Scenario):
        return item.situation
    if isinstance(item, Reflection):
        return item.prompt
    return item.question
