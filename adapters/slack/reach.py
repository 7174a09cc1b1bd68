"""Which Slack answers mean "this will keep failing", and what the port remembers to avoid asking twice.

Slack answers ``ok: false`` with an error code. Most codes on a post name a
state a person must change (invite the bot, unarchive the channel, turn the
App Home's Messages tab on); retrying cannot fix them, so the port raises
:class:`bot.ports.Undeliverable` with the reason the core acts on. Rate limits
and outages never reach these tables: the client waits them out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError

from bot.ports import Undeliverable, UndeliverableReason

# chat.postMessage / chat.update / chat.postEphemeral / files.completeUploadExternal in a channel.
CHANNEL_ERRORS: dict[str, UndeliverableReason] = {
    "not_in_channel": "not_in_channel",
    "channel_not_found": "channel_not_found",
    "is_archived": "archived",
    # Workspace or channel settings that stop the bot from posting there.
    "restricted_action": "no_access",
    "restricted_action_read_only_channel": "no_access",
    "restricted_action_thread_only_channel": "no_access",
    "restricted_action_non_threadable_channel": "no_access",
    "ekm_access_denied": "no_access",
}

# conversations.open and a post into the member's DM.
MEMBER_ERRORS: dict[str, UndeliverableReason] = {
    "user_not_found": "member_gone",
    "user_disabled": "member_gone",  # a deactivated account
    "account_inactive": "member_gone",
    "user_not_visible": "dm_closed",  # the bot may not see this member (a restricted or external account)
    "cannot_dm_bot": "dm_closed",  # the member is itself a bot
    "messages_tab_disabled": "dm_closed",  # the app's App Home Messages tab is turned off
    # The DM conversation itself cannot be reached (after a fresh conversations.open).
    "channel_not_found": "dm_closed",
    "not_in_channel": "dm_closed",
    "is_archived": "dm_closed",
}

# conversations.join: what stops the bot from joining by itself.
JOIN_ERRORS: dict[str, UndeliverableReason] = {
    "method_not_supported_for_channel_type": "not_in_channel",  # private channels: invite only
    "channel_not_found": "not_in_channel",
    "missing_scope": "not_in_channel",  # an install from before channels:join: inviting still works
    "is_archived": "archived",
}

JOINED_TTL_S = 120.0  # how long "the bot is in this channel" is trusted without asking again


def error_code(exc: SlackApiError) -> str:
    """The ``error`` field of Slack's answer (empty when the answer had none, e.g. a 500 page)."""
    data = exc.response.data
    return str(data.get("error") or "") if isinstance(data, dict) else ""


@contextmanager
def translated(table: dict[str, UndeliverableReason], target: str) -> Iterator[None]:
    """Re-raise a Slack error listed in ``table`` as :class:`Undeliverable`; others as they are."""
    try:
        yield
    except SlackApiError as exc:
        code = error_code(exc)
        reason = table.get(code)
        if reason is None:
            raise
        raise Undeliverable(reason, target=target, detail=code) from exc


@dataclass
class Reach:
    """What one process knows about where the bot can post: DM channel ids and joined channels.

    Shared by every per-request copy of the port. Keys carry the team, so two
    workspaces served by one process never share an entry.
    """

    clock: Callable[[], float] = time.monotonic
    dms: dict[tuple[str, str], str] = field(default_factory=dict)
    # The bot's own (user id, bot id) per team, from auth.test: only its own posts are recalled.
    identities: dict[str, tuple[str, str]] = field(default_factory=dict)
    _joined: dict[tuple[str, str], float] = field(default_factory=dict)

    def joined(self, team: str, channel: str) -> bool:
        until = self._joined.get((team, channel))
        return until is not None and self.clock() < until

    def remember_joined(self, team: str, channel: str) -> None:
        if len(self._joined) > 10_000:
            now = self.clock()
            self._joined = {k: t for k, t in self._joined.items() if t > now}
        self._joined[(team, channel)] = self.clock() + JOINED_TTL_S

    def forget_joined(self, team: str, channel: str) -> None:
        self._joined.pop((team, channel), None)
