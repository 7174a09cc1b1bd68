"""What pairing says: the interview script, the check-in, and the feedback form."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bot.buttons import CheckInAnswer, RateInterview
from bot.content import Pack
from bot.content_schema import AskQuestion, Scenario
from bot.pairing import Group
from bot.render import Button, OutboundMessage, Section
from bot.services.delivery import Missed, missed_note, open_dms_step
from bot.store.enums import SeatRole
from bot.store.models import Member

SCENARIOS_PER_SCRIPT = 2
ASKS_PER_SCRIPT = 2
QUESTION_TEXT = {
    "structure": "How clearly did they structure their answers (situation, task, action, result)?",
    "candor": "How candid were they about their mistakes and assumptions?",
    "questions": "How good were the questions they asked you as the interviewer?",
}


def _scenarios(pack: Pack, rng: random.Random, known: frozenset[str]) -> list[Scenario]:
    """The script's scenarios: those the interviewer has answered first, so they know the rubric."""
    scenarios = [i for i in pack.items(kinds=("scenario",)) if isinstance(i, Scenario)]
    answered = [s for s in scenarios if s.id in known]
    chosen = rng.sample(answered, min(SCENARIOS_PER_SCRIPT, len(answered)))
    others = [s for s in scenarios if s not in chosen]
    return chosen + rng.sample(others, min(SCENARIOS_PER_SCRIPT - len(chosen), len(others)))


def _script(pack: Pack, rng: random.Random, known: frozenset[str]) -> list[Section]:
    asks = [i for i in pack.items(kinds=("ask",)) if isinstance(i, AskQuestion)]
    sections = []
    for number, scenario in enumerate(_scenarios(pack, rng, known), 1):
        body = scenario.situation
        body += "\n*A strong answer covers:*\n" + "\n".join(f"• {point}" for point in scenario.rubric)
        body += "\n*Follow-ups:* " + " / ".join(scenario.follow_ups)
        mine = " (you answered it)" if scenario.id in known else ""
        sections.append(Section(body, title=f"Scenario {number}: {scenario.title}{mine}"))
    chosen = rng.sample(asks, min(ASKS_PER_SCRIPT, len(asks)))
    if chosen:
        lines = "\n".join(f"• {a.question}" for a in chosen)
        sections.append(Section(lines, title="Questions for the candidate to practise asking"))
    return sections


def assignment(
    pack: Pack,
    rng: random.Random,
    names: dict[str, str],
    group: Group,
    member_id: str,
    number: int,
    *,
    known: frozenset[str] = frozenset(),
    lead: str = "",
) -> OutboundMessage:
    """The private message each member gets when a round is drawn.

    ``number`` is the round's number in its channel; ``known`` the scenarios the
    interviewer has answered (asked first); ``lead`` opens the message (why now).
    """
    if member_id == group.interviewer:
        who = " and ".join(names[c] for c in group.candidates)
        text = (
            f"{lead}Mock interview this week: you interview {who}. Find 30 minutes together, "
            "ask the scenarios below, then the follow-ups. The rubric is for you only."
        )
        return OutboundMessage(
            text=text, sections=tuple(_script(pack, rng, known)), footer=f"Round {number}."
        )
    others = [names[m] for m in group.members if m not in (member_id, group.interviewer)]
    partner = f" (with {', '.join(others)} as a second candidate)" if others else ""
    text = (
        f"{lead}Mock interview this week: {names[group.interviewer]} interviews you{partner}. "
        "Expect two culture scenarios; answer with a concrete story, and bring questions to ask."
    )
    return OutboundMessage(text=text, footer=f"Round {number}. A check-in follows in two days.")


def check_in(role: str, group: list[Member], round_id: int) -> OutboundMessage:
    """The check-in both sides get: did it happen? Each can answer with the buttons."""
    names = ", ".join(m.display_name or m.external_id for m in group) or "your partner"
    if role == SeatRole.INTERVIEWER:
        then = "Then rate the candidate below, and add a short note: it reaches them the same day."
    else:
        then = (
            "Your interviewer's ratings and note reach you by direct message "
            "(the ratings stay in `/prep export`)."
        )
    buttons = (
        CheckInAnswer(round_id, True).button("We met", style="primary"),
        CheckInAnswer(round_id, False).button("Not yet"),
    )
    return OutboundMessage(
        text=f"Check-in: did your mock interview with {names} happen? {then}", buttons=buttons
    )


def rating_form(round_id: int, candidate: Member, question: str, action: str) -> OutboundMessage:
    """One question of the feedback form, rated 1 (weak) to 5 (strong)."""
    name = candidate.display_name or candidate.external_id
    buttons = tuple(
        RateInterview(round_id, candidate.id or 0, question, score).button(str(score))
        for score in range(1, 6)
    )
    return OutboundMessage(
        text=f"Feedback for {name}: {QUESTION_TEXT[question]}", buttons=buttons, footer="1 = weak, 5 = strong"
    )


def thanks(kind: str, name: str = "", note_button: Button | None = None) -> OutboundMessage:
    if kind == "lonely":
        return OutboundMessage(
            text="Only you opted in to pairing this week, so there is no pair yet. As soon as a second "
            "member opts in this week, the round is drawn and your script arrives by direct message. "
            "Invite a teammate!"
        )
    return OutboundMessage(
        text=f"Thanks! Your ratings for {name} are saved. Add a short written note with what went well "
        "and one thing to work on: it reaches them by direct message today.",
        buttons=(note_button,) if note_button else (),
    )


def feedback_message(interviewer: str, number: int, ratings: dict[str, int], note: str) -> OutboundMessage:
    """What reaches the candidate when their interviewer writes the note: ratings and the note."""
    lines = [f"• {QUESTION_TEXT[q]} {ratings[q]}/5" for q in QUESTION_TEXT if q in ratings]
    sections = [Section(note, title="Their note")] if note else []
    if lines:
        sections.append(Section("\n".join(lines), title="Ratings (1 = weak, 5 = strong)"))
    return OutboundMessage(
        text=f"Feedback from your mock interview with {interviewer} (round {number}).",
        sections=tuple(sections),
        footer="The ratings are also in your prep document (`/prep export`).",
    )


@dataclass
class RoundReport:
    """What one run of a channel's weekly round did, for whoever asked."""

    drawn: bool = False  # this call drew the round
    exists: bool = True  # False: fewer than two members opted in, so no round yet
    late: bool = False  # this week's round was drawn before the opt-in that asked
    members: int = 0
    groups: int = 0
    sent: int = 0  # scripts delivered by this call
    already: int = 0  # scripts delivered before this call
    missed: list[Missed] = field(default_factory=list)


# Who may run a channel's prep, in the words of each platform.
def runner_report(report: RoundReport, platform: str) -> OutboundMessage:
    """The private answer to ``/prep pair now``: drawn or not, scripts sent, who could not be reached."""
    if not report.exists:
        verb = "is" if report.members == 1 else "are"
        return OutboundMessage(
            text=f"No round drawn: pairs need at least two members opted in here (`/prep pair`), and "
            f"{report.members} {verb} so far. Run `/prep pair now` again once more have opted in."
        )
    if report.drawn:
        text = (
            f"This week's mock-interview round is drawn: {report.groups} group(s), {report.members} "
            f"member(s). {report.sent} script(s) sent by direct message."
        )
    else:
        text = (
            f"This week's round was already drawn ({report.groups} group(s)); a channel has one round "
            "a week, so no new pairs were drawn. "
        )
        if report.sent:
            text += f"Sent {report.sent} script(s) that had not arrived."
        elif not report.missed:
            text += "Every member already has their script."
    sections: tuple[Section, ...] = ()
    if report.missed:
        sections = (
            Section(
                f"Could not reach {missed_note(report.missed)}. Ask them to allow direct messages from "
                f"prepbot. {open_dms_step(platform)}. Then run `/prep pair now` again: it sends only "
                "the missing scripts.",
                title="Not delivered",
            ),
        )
    return OutboundMessage(text=text.strip(), sections=sections)


def missed_in_channel(missed: list[Missed]) -> str:
    return (
        f"This week's mock-interview scripts could not reach {missed_note(missed)}. To get yours, allow "
        "direct messages from prepbot, then ask an organizer to run `/prep pair now` "
        "(it sends only the missing scripts)."
    )


def missed_check_ins(missed: list[Missed]) -> str:
    return (
        f"The mock-interview check-ins could not reach {missed_note(missed)}. "
        "Allow direct messages from prepbot to get the next ones."
    )
