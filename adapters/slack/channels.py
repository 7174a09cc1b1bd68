"""What the Slack port reads rather than sends: channel access, a member's channels, a post's earlier copy.

Apart from ``adapters/slack/port.py`` (posting, whispers, edits, DMs and files)
because these calls decide where a post may go and whether it already went, and
they keep :class:`adapters.slack.reach.Reach` up to date. They share the port's
client and ``Reach``, so :class:`SlackChannels` is a base of ``SlackPort``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.pacer import for_team
from adapters.slack.reach import CHANNEL_ERRORS, JOIN_ERRORS, Reach, error_code, translated
from bot.domain import ChannelRef, MemberRef, MessageRef
from bot.ports import Undeliverable

log = logging.getLogger(__name__)

# Posts that must exist once carry their key in Slack message metadata, so a
# retry after a crash can find the copy that did go out (conversations.history).
METADATA_EVENT = "prepbot_post"
RECALL_LIMIT = 200
MEMBERSHIP_PAGES = 20  # users.conversations pages (200 channels each) read for one export


class SlackChannels:
    """The port's questions about channels: is the bot in (joining a public one), who is where, what went.

    Set by :class:`adapters.slack.port.SlackPort`: ``client`` (the Web API) and
    ``reach`` (DM channel ids, channels known to be joined, the bot's identities).
    """

    client: AsyncWebClient
    reach: Reach

    @contextmanager
    def _channel_errors(self, channel: ChannelRef) -> Iterator[None]:
        """Slack's permanent channel errors as Undeliverable; the bot is then no longer known to be in.

        The calls inside count against the channel's workspace's rate limits.
        """
        try:
            with for_team(channel.space.id), translated(CHANNEL_ERRORS, channel.id):
                yield
        except Undeliverable:
            self.reach.forget_joined(channel.space.id, channel.id)
            raise

    async def find_posted(self, channel: ChannelRef, key: str) -> MessageRef | None:
        """The bot's recent post carrying ``key`` in its metadata (``conversations.history``)."""
        with self._channel_errors(channel):
            response = await self.client.conversations_history(
                channel=channel.id, limit=RECALL_LIMIT, include_all_metadata=True
            )
        user_id, bot_id = await self._identity(channel.space.id)
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            # Any app can attach metadata, and a member's own app could copy our key: only a
            # message the bot itself posted counts as the earlier copy of the post.
            own = (bot_id and message.get("bot_id") == bot_id) or (user_id and message.get("user") == user_id)
            if (
                own
                and metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("key") == key
            ):
                return MessageRef(channel=channel, id=str(message["ts"]))
        return None

    async def _identity(self, team: str) -> tuple[str, str]:
        """The bot's (user id, bot id) in ``team`` (auth.test, once per team and process)."""
        known = self.reach.identities.get(team)
        if known is None:
            with for_team(team):
                me = await self.client.auth_test()
            known = (str(me.get("user_id") or ""), str(me.get("bot_id") or ""))
            self.reach.identities[team] = known
        return known

    async def channels_of(self, member: MemberRef, among: Sequence[ChannelRef]) -> set[str] | None:
        """Which of ``among`` the member is in (``users.conversations``), or None when Slack won't say.

        With a bot token Slack lists the member's public channels and the private ones
        the bot shares with them, which covers every channel prepbot posts prompts in.
        """
        wanted = {c.id for c in among}
        found: set[str] = set()
        cursor = ""
        try:
            for _ in range(MEMBERSHIP_PAGES):
                page = await self.client.users_conversations(
                    user=member.id,
                    types="public_channel,private_channel",
                    exclude_archived=False,
                    limit=200,
                    cursor=cursor or None,
                )
                found |= {str(c.get("id")) for c in page.get("channels") or []}
                cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor or wanted <= found:
                    break
            else:
                return None  # more channels than we page through: fall back rather than guess
        except SlackApiError as exc:
            log.warning("users.conversations failed (%s); using where the member took part", error_code(exc))
            return None
        return wanted & found

    async def ensure_in_channel(self, channel: ChannelRef) -> None:
        """``conversations.info``; join a public channel the bot is not in, refuse the rest.

        Raises Undeliverable ``archived`` (is_archived), or ``not_in_channel`` for a
        private channel, for ``channel_not_found`` (what Slack answers for a private
        channel the bot cannot see) and when Slack refuses the join. A positive
        answer is trusted for :data:`adapters.slack.reach.JOINED_TTL_S`.
        """
        team = channel.space.id
        if channel.id.startswith("D") or self.reach.joined(team, channel.id):
            return  # a DM: the command reached the bot there, or the post will say it cannot
        try:
            with for_team(team):
                info = await self.client.conversations_info(channel=channel.id)
        except SlackApiError as exc:
            code = error_code(exc)
            if code == "channel_not_found":
                raise Undeliverable("not_in_channel", target=channel.id, detail=code) from exc
            if code == "missing_scope":
                # An install from before channels:read/groups:read: the post itself will tell.
                log.warning("conversations.info needs %s; reinstall the app", exc.response.get("needed"))
                return
            raise
        data = info.get("channel") or {}
        if data.get("is_archived"):
            raise Undeliverable("archived", target=channel.id, detail="is_archived")
        if not (data.get("is_member") or data.get("is_im")):
            if data.get("is_private") or data.get("is_group") or data.get("is_mpim"):
                raise Undeliverable("not_in_channel", target=channel.id, detail="private")
            with for_team(team), translated(JOIN_ERRORS, channel.id):
                await self.client.conversations_join(channel=channel.id)
            log.info("joined public channel %s", channel.id)
        self.reach.remember_joined(team, channel.id)
