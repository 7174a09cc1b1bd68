"""The core's one-field forms (``bot.render.TextInput``) as Slack modals, and their submissions.

A click on a form button opens a modal with ``views.open`` (the click's
``trigger_id`` is valid for 3 seconds); the modal's ``private_metadata`` keeps
what a submission needs and Slack does not send with it: the button's action and
value, and the channel and message it was pressed in.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain import ChannelRef, MemberRef, MessageRef, SpaceRef
from bot.events import ButtonPressed, TextSubmitted
from bot.render import TextInput

log = logging.getLogger(__name__)

CALLBACK_ID = "prep_form"
BLOCK_ID = "prep_form"
ACTION_ID = "text"
METADATA_CHARS = 3000  # Slack's private_metadata limit


def form_view(
    form: TextInput,
    *,
    action: str,
    value: str,
    channel_id: str,
    message_ts: str | None,
    thread_ts: str | None,
) -> dict[str, Any] | None:
    """The modal for ``form``; None when its metadata would not fit Slack's 3,000 characters."""
    metadata = json.dumps({"a": action, "v": value, "c": channel_id, "m": message_ts, "t": thread_ts})
    if len(metadata) > METADATA_CHARS:
        return None
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ACTION_ID,
        "multiline": True,
        "max_length": form.max_length,
    }
    if form.placeholder:
        element["placeholder"] = {"type": "plain_text", "text": form.placeholder}
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": {"type": "plain_text", "text": form.title},
        "submit": {"type": "plain_text", "text": form.submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata,
        "blocks": [
            {
                "type": "input",
                "block_id": BLOCK_ID,
                "optional": not form.required,
                "label": {"type": "plain_text", "text": form.label},
                "element": element,
            }
        ],
    }


async def open_modal(client: AsyncWebClient, form: TextInput, click: ButtonPressed, trigger_id: str) -> bool:
    """Open ``form`` for a click; False when Slack refuses (an expired trigger, say).

    A refused modal leaves the click to the core as a plain press, which does
    the action with nothing typed rather than nothing at all.
    """
    message = click.message
    view = form_view(
        form,
        action=click.action,
        value=click.value,
        channel_id=click.channel.id,
        message_ts=message.id if message else None,
        thread_ts=message.thread_id if message else None,
    )
    if view is None:
        return False
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.warning("views.open failed (%s); the click goes on without a form", exc.response.get("error"))
        return False
    return True


@dataclass(frozen=True)
class Submission:
    """A submitted form: the view's id, the button it came from, where, and the text."""

    view_id: str
    action: str
    value: str
    channel: ChannelRef
    message: MessageRef | None
    text: str

    def event(self, member: MemberRef) -> TextSubmitted:
        """The core event, keyed on the view: one modal is submitted once."""
        return TextSubmitted(
            f"view:{self.view_id}", self.channel, member, self.action, self.value, self.text, self.message
        )


def submission(body: dict[str, Any], space: SpaceRef) -> Submission | None:
    """The form a ``view_submission`` payload submits; None for a view that is not ours."""
    view = body.get("view") or {}
    try:
        meta = json.loads(view.get("private_metadata") or "")
        action, value, channel_id = str(meta["a"]), str(meta["v"]), str(meta["c"])
    except (ValueError, KeyError, TypeError):
        return None
    channel = ChannelRef(space, channel_id)
    ts, thread_ts = meta.get("m"), meta.get("t")
    message = (
        MessageRef(channel, str(ts), str(thread_ts) if thread_ts and thread_ts != ts else None)
        if ts
        else None
    )
    values = ((view.get("state") or {}).get("values") or {}).get(BLOCK_ID) or {}
    text = str((values.get(ACTION_ID) or {}).get("value") or "")
    return Submission(str(view.get("id") or ""), action, value, channel, message, text)
