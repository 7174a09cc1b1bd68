"""OutboundMessage → Block Kit stays within every Slack limit and loses no content."""

from __future__ import annotations

import re

import pytest

from adapters.slack.blocks import action_id, action_name, escape, home_view, render
from bot.render import Button, Choice, OutboundMessage, Section


def _sections(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def test_long_text_is_split_into_sections_of_at_most_3000_characters() -> None:
    lines = [f"line {n}: " + "word " * 40 for n in range(60)]
    [message] = render(OutboundMessage(text="Digest", sections=(Section("\n".join(lines), title="Results"),)))
    texts = _sections(message.blocks)
    assert all(len(t) <= 3000 for t in texts) and len(texts) > 1
    joined = "\n".join(texts)
    assert all(line.strip() in joined for line in lines)
    assert message.text.startswith("Digest")


def test_a_line_longer_than_a_section_is_cut_not_lost() -> None:
    [message] = render(OutboundMessage(text="x" * 7000))
    assert [len(t) for t in _sections(message.blocks)] == [3000, 3000, 1000]


def test_many_sections_become_several_messages_and_buttons_stay_on_the_first() -> None:
    sections = tuple(Section(f"part {n}") for n in range(120))
    parts = render(
        OutboundMessage(text="Long", sections=sections, buttons=(Button("Vote", "prompt.ballot", "7"),))
    )
    assert len(parts) == 3 and all(len(p.blocks) <= 50 for p in parts)
    assert parts[0].blocks[-1]["type"] == "actions"
    assert all(b["type"] != "actions" for p in parts[1:] for b in p.blocks)
    shown = [t for p in parts for t in _sections(p.blocks)]
    assert shown == ["Long"] + [f"part {n}" for n in range(120)]
    assert all(p.text.strip() for p in parts)


def test_buttons_fit_slack_limits_and_their_actions_come_back() -> None:
    buttons = tuple(
        Button("answer " + "very long " * 20 + str(n), "prompt.vote", f"1:{n}") for n in range(30)
    )
    [message] = render(OutboundMessage(text="Ballot", buttons=buttons))
    actions = [b for b in message.blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 5]
    elements = [e for a in actions for e in a["elements"]]
    assert all(len(e["text"]["text"]) <= 75 for e in elements)
    assert len({e["action_id"] for e in elements}) == 30
    assert {action_name(e["action_id"]) for e in elements} == {"prompt.vote"}
    assert [e["value"] for e in elements] == [f"1:{n}" for n in range(30)]


def test_button_values_over_2000_characters_are_refused() -> None:
    with pytest.raises(ValueError, match="2000"):
        render(OutboundMessage(text="x", buttons=(Button("Go", "a", "v" * 2001),)))


def test_styles_and_select_menus() -> None:
    message = OutboundMessage(
        text="Pick",
        buttons=(
            Button("Yes", "a", style="primary"),
            Button("No", "b", style="danger"),
            Button("Later", "c"),
        ),
        choices=(Choice("Culture", "culture-values"), Choice("Motivation", "motivation")),
        choice_action="quiz.topic",
    )
    [part] = render(message)
    buttons, select = [b for b in part.blocks if b["type"] == "actions"]
    assert [e.get("style") for e in buttons["elements"]] == ["primary", "danger", None]
    menu = select["elements"][0]
    assert menu["type"] == "static_select" and action_name(menu["action_id"]) == "quiz.topic"
    assert [o["value"] for o in menu["options"]] == ["culture-values", "motivation"]


def test_action_ids_round_trip_even_with_hashes_in_names() -> None:
    assert action_name(action_id("quiz.answer", 3)) == "quiz.answer"
    assert action_name(action_id("odd#name", 0)) == "odd#name"
    assert action_name("plain") == "plain"


NO_PING = "@\u2060"


def test_escaping_turns_members_mentions_and_links_into_plain_text() -> None:
    assert escape("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert escape("thanks <@U123> and <@U9|ann> in <#C1|general>") == (
        f"thanks {NO_PING}U123 and {NO_PING}ann in #general"
    )
    assert escape("see <https://jobs.netflix.com|jobs> &amp; more") == (
        "see jobs (`https://\u2060jobs.netflix.com`) &amp; more"
    )
    assert escape("<mailto:a@b.c>") == "`mailto:\u2060a@b.c`"


def test_a_masked_link_is_shown_but_never_live() -> None:
    """``<https://evil|Netflix careers>`` re-posted: the real address shows, and nothing links to it.

    Slack links ``<url>`` tokens and bare ``scheme://host`` text; inline code is never
    linked, and the word joiner after the scheme breaks the pattern in plain-text places.
    """
    answer = "Apply here: <https://evil.example/login?next=x|Netflix careers> or <http://b.example>"
    [message] = render(OutboundMessage(text="Digest", sections=(Section(answer, title="Top answer"),)))
    shown = text_of_blocks(message.blocks)
    assert "Netflix careers (`https://\u2060evil.example/login?next=x`)" in shown
    assert "`http://\u2060b.example`" in shown
    assert not re.search(r"<https?:|https?://[a-z]", shown)  # no token, no linkable scheme://host
    # Button labels are plain_text: Slack shows them literally and links nothing there.
    [button] = render(OutboundMessage(text="x", buttons=(Button(answer, "a"),)))[0].blocks[-1]["elements"]
    assert button["text"]["type"] == "plain_text"


def text_of_blocks(blocks: list[dict[str, object]]) -> str:
    texts = [b.get("text") for b in blocks]
    return "\n".join(str(t.get("text", "")) if isinstance(t, dict) else "" for t in texts)


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("<!channel>", f"{NO_PING}channel"),
        ("<!here>", f"{NO_PING}here"),
        ("<!here|here>", f"{NO_PING}here"),
        ("<!everyone>", f"{NO_PING}everyone"),
        ("<!subteam^S0DEVS|@backend-devs>", f"{NO_PING}backend-devs"),
        ("<!subteam^S0DEVS>", f"{NO_PING}group"),
        ("<!date^1392734382^{date_short}|Feb 18, 2014>", "Feb 18, 2014"),
        ("&lt;!channel&gt;", "&lt;!channel&gt;"),
        ("<<!channel>>", f"&lt;{NO_PING}channel&gt;"),
    ],
)
def test_special_and_group_mentions_are_never_re_posted_as_mentions(written: str, shown: str) -> None:
    assert escape(f"ping {written} now") == f"ping {shown} now"
    assert "<!" not in escape(written) and "<@" not in escape(written)


def test_footer_is_a_context_block() -> None:
    [part] = render(OutboundMessage(text="Hi", footer="Only you can see this."))
    assert part.blocks[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "Only you can see this."}],
    }


def test_home_view_stays_under_100_blocks() -> None:
    view = home_view([OutboundMessage(text="Stats", sections=tuple(Section(f"s{n}") for n in range(150)))])
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert all(b["type"] != "actions" for b in view["blocks"])
