"""The pure quiz rules: matching typed answers, choosing questions, scoring, SM-2 intervals."""

from __future__ import annotations

import datetime as dt
import random
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import quiz
from bot.content_schema import FreeText, MultipleChoice

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
WORD = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=10).filter(
    lambda w: w not in quiz.ARTICLES
)
AFFIX = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=4)


def mcq(answer: int = 1) -> MultipleChoice:
    choices = ["Freedom and responsibility", "Context, not control", "Highly aligned", "Loosely coupled"]
    return MultipleChoice(
        id="x-mcq",
        kind="mcq",
        difficulty="easy",
        round="culture",
        question="Which?",
        choices=choices,
        answer=choices[answer],
        explanation="Because.",
    )


def free_text(*accepted: str) -> FreeText:
    return FreeText(
        id="x-free",
        kind="free_text",
        difficulty="easy",
        round="culture",
        question="Who decides?",
        accepted=list(accepted),
        explanation="Because.",
    )


# --- normalising and matching ----------------------------------------------
@pytest.mark.parametrize(
    ("guess", "accepted"),
    [
        ("The Informed Captain", "informed captain"),
        ("an informed captain!", "the informed captain"),
        ("“Informed captain”", "informed captain"),
        ("I think it's the informed captain", "informed captain"),
        ("informed captian", "informed captain"),  # a swapped pair is a small typo
        ("infromed captain", "informed captain"),
        ("Keeper-test", "keeper test"),
        ("don’t", "don't"),
        ("Café", "cafe"),
        ("The", "The"),
    ],
)
def test_typed_answers_that_match(guess: str, accepted: str) -> None:
    assert quiz.matches(guess, accepted)


@pytest.mark.parametrize(
    ("guess", "accepted"),
    [
        ("chair", "air"),
        ("uninformed captain", "informed captain"),
        ("strain", "train"),
        ("informed", "informed captain"),
        ("2019", "2018"),  # numbers never get typo tolerance
        ("cat", "car"),  # short words neither
        ("informed major", "informed captain"),
        ("", "informed captain"),
    ],
)
def test_typed_answers_that_do_not_match(guess: str, accepted: str) -> None:
    assert not quiz.matches(guess, accepted)


def test_edit_distance_counts_swaps_as_one() -> None:
    assert quiz.edit_distance("captain", "captian") == 1
    assert quiz.edit_distance("kitten", "sitting") == 3
    assert quiz.edit_distance("", "abc") == 3


@given(st.lists(WORD, min_size=1, max_size=4), st.sampled_from(["", "the ", "The ", "A "]), st.data())
def test_an_answer_matches_itself_however_it_is_dressed(
    words: list[str], article: str, data: st.DataObject
) -> None:
    answer = " ".join(words)
    dressed = data.draw(
        st.sampled_from([answer.upper(), f"{article}{answer}!", f"“{answer}”", f"it is {answer}."])
    )
    assert quiz.matches(dressed, answer)


@given(WORD, AFFIX, AFFIX, st.booleans(), st.booleans())
def test_a_word_is_never_found_inside_another_word(
    answer: str, prefix: str, suffix: str, use_prefix: bool, use_suffix: bool
) -> None:
    if not (use_prefix or use_suffix):
        use_prefix = True
    hidden = (prefix if use_prefix else "") + answer + (suffix if use_suffix else "")
    assert not quiz.matches(f"my guess is {hidden} today", answer)


@given(st.text(alphabet=string.ascii_lowercase, min_size=5, max_size=12), st.data())
def test_one_substitution_in_a_longer_word_is_forgiven(answer: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=1, max_value=len(answer) - 2))
    letter = data.draw(st.sampled_from([c for c in string.ascii_lowercase if c != answer[position]]))
    typo = answer[:position] + letter + answer[position + 1 :]
    assert quiz.matches(typo, answer)


@given(st.text(min_size=0, max_size=40), st.text(min_size=1, max_size=40))
def test_matching_never_crashes_and_is_case_blind(guess: str, accepted: str) -> None:
    assert quiz.matches(guess, accepted) == quiz.matches(guess.upper(), accepted)


# --- judging typed messages ---------------------------------------------------
@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("b", quiz.Verdict.CORRECT),
        ("B)", quiz.Verdict.CORRECT),
        ("2", quiz.Verdict.CORRECT),
        ("context, not control", quiz.Verdict.CORRECT),
        ("c", quiz.Verdict.WRONG),
        ("Highly aligned", quiz.Verdict.WRONG),
        ("e", quiz.Verdict.NO_MATCH),  # there is no fifth choice
        ("good morning all", quiz.Verdict.NO_MATCH),
    ],
)
def test_typed_messages_are_judged_against_the_choices(text: str, verdict: quiz.Verdict) -> None:
    assert quiz.judge_typed(mcq(answer=1), text) is verdict


def test_free_text_accepts_any_listed_answer() -> None:
    item = free_text("informed captain", "the captain")
    assert quiz.judge_typed(item, "Informed captian") is quiz.Verdict.CORRECT
    assert quiz.judge_typed(item, "nobody knows") is quiz.Verdict.NO_MATCH


# --- choosing questions ----------------------------------------------------------
@given(
    st.lists(st.text(min_size=1, max_size=5), min_size=1, max_size=12, unique=True), st.integers(0, 10_000)
)
def test_picking_never_repeats_before_every_item_was_shown(items: list[str], seed: int) -> None:
    rng = random.Random(seed)
    seen: dict[str, int] = {}
    for cycle in range(2):
        shown = []
        for _ in items:
            item = quiz.pick_item(items, seen, rng)
            seen[item] = seen.get(item, 0) + 1
            shown.append(item)
        assert sorted(shown) == sorted(items), f"cycle {cycle} repeated an item"


def test_the_weakest_topic_is_preferred_and_untried_counts_as_even() -> None:
    rng = random.Random(1)
    tallies = {"a": quiz.Tally(correct=3, attempts=3), "b": quiz.Tally(correct=0, attempts=2)}
    assert quiz.weakest_topic(["a", "b", "c"], tallies, rng) == "b"
    assert quiz.weakest_topic(["a", "c"], tallies, rng) == "c"


# --- scoring, streaks and ranks -----------------------------------------------
def test_faster_answers_score_more_and_the_bonus_runs_out() -> None:
    limit = dt.timedelta(seconds=quiz.ROUND_SECONDS)
    instant = quiz.challenge_points(dt.timedelta(0), limit)
    assert instant == quiz.BASE_POINTS + quiz.SPEED_BONUS
    assert quiz.challenge_points(limit / 2, limit) < instant
    assert quiz.challenge_points(limit * 2, limit) == quiz.BASE_POINTS


def test_a_streak_counts_consecutive_days_up_to_today_or_yesterday() -> None:
    today = dt.date(2026, 3, 10)
    days = [today - dt.timedelta(days=n) for n in (1, 2, 3, 5)]
    assert quiz.streak(days, today) == 3
    assert quiz.streak([*days, today], today) == 4
    assert quiz.streak([today - dt.timedelta(days=2)], today) == 0


def test_ties_share_a_rank() -> None:
    assert quiz.ranked([("bob", 10), ("cy", 15), ("al", 10), ("di", 3)]) == [
        (1, "cy", 15),
        (2, "al", 10),
        (2, "bob", 10),
        (4, "di", 3),
    ]
