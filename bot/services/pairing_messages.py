"""What pairing says: the interview script, the check-in, and the feedback form."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bot.buttons import RateInterview
from bot.content import Pack
from bot.content_schema import AskQuestion, Scenario
from bot.pairing import Group
from bot.render import OutboundMessage, Section
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


def _script(pack: Pack, rng: random.Random, *, with_rubric: bool) -> list[Section]:
    scenarios = [i for i in pack.items(kinds=("scenario",)) if isinstance(i, Scenario)]
    asks = [i for i in pack.items(kinds=("ask",)) if isinstance(i, AskQuestion)]
    sections = []
    for number, scenario in enumerate(rng.sample(scenarios, min(SCENARIOS_PER_SCRIPT, len(scenarios))), 1):
        body = scenario.situation
        if with_rubric:
            body += "\n*A strong answer covers:*\n" + "\n".join(f"• {point}" for point in scenario.rubric)
            body += "\n*Follow-ups:* " + " / ".join(scenario.follow_ups)
        sections.append(Section(body, title=f"Scenario {number}: {scenario.title}"))
    chosen = rng.sample(asks, min(ASKS_PER_SCRIPT, len(asks)))
    if chosen:
        lines = "\n".join(f"• {a.question}" for a in chosen)
        sections.append(Section(lines, title="Questions for the candidate to practise asking"))
    return sections


def assignment(
    pack: Pack, rng: random.Random, names: dict[str, str], group: Group, member_id: str, round_id: int
) -> OutboundMessage:
    """The private message each member gets when a round is drawn."""
    if member_id == group.interviewer:
        who = " and ".join(names[c] for c in group.candidates)
        text = (
            f"Mock interview this week: you interview {who}. Find 30 minutes together, "
            "ask the scenarios below, then the follow-ups. The rubric is for you only."
        )
        return OutboundMessage(text=text, sections=tuple(_script(pack, rng, with_rubric=True)))
    others = [names[m] for m in group.members if m not in (member_id, group.interviewer)]
    partner = f" (with {', '.join(others)} as a second candidate)" if others else ""
    text = (
        f"Mock interview this week: {names[group.interviewer]} interviews you{partner}. "
        "Expect two culture scenarios; answer with a concrete story, and bring questions to ask."
    )
    return OutboundMessage(text=text, footer=f"Round {round_id}. A check-in follows in two days.")


def check_in(role: str, group: list[Member]) -> OutboundMessage:
    names = ", ".join(m.display_name or m.external_id for m in group) or "your partner"
    if role == SeatRole.INTERVIEWER:
        text = (
            f"Check-in: did your mock interview with {names} happen? Rate it below; it goes to the candidate."
        )
    else:
        text = (
            f"Check-in: did your mock interview with {names} happen? Your feedback will be in `/prep export`."
        )
    return OutboundMessage(text=text)


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


def thanks(kind: str, name: str = "") -> OutboundMessage:
    if kind == "lonely":
        return OutboundMessage(
            text="Only you opted in to pairing this week, so there is no pair yet. Invite a teammate!"
        )
    return OutboundMessage(
        text=f"Thanks! Your feedback for {name} is saved; they will see it in their prep document."
    )


@dataclass
class RoundReport:
    """What one run of a channel's weekly round did, for whoever asked."""

    drawn: bool = False  # this call drew the round
    exists: bool = True  # False: fewer than two members opted in, so no round yet
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
