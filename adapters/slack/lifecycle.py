"""The app leaving a Slack workspace: ``app_uninstalled`` and ``tokens_revoked``.

With OAuth installs (:class:`adapters.slack.oauth.SlackOAuth`) bolt's own listeners
delete the installation first. With the one ``SLACK_BOT_TOKEN`` there is nothing to
delete (the operator removes the token), but the workspace's scheduled work stops
all the same. Either way the core hears :class:`bot.events.AppRemoved`.
Both events arrive without a usable token, so bolt skips authorize for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncApp

from bot.domain import SpaceRef
from bot.events import AppRemoved
from bot.router import Prepbot

if TYPE_CHECKING:
    from adapters.slack.oauth import SlackOAuth


def lifecycle_listeners(bolt: AsyncApp, bot: Prepbot, oauth: SlackOAuth | None) -> None:
    """Register the two listeners (before the app's catch-all: the first match wins)."""
    if oauth is not None:
        oauth.attach(bolt)
        return

    async def removed(ack: Any, body: dict[str, Any], event: dict[str, Any]) -> None:
        await ack()
        bot_tokens = (event.get("tokens") or {}).get("bot")
        if event.get("type") == "app_uninstalled" or bot_tokens:
            await bot.space_changed(AppRemoved(SpaceRef("slack", str(body.get("team_id") or ""))))

    bolt.event("app_uninstalled")(removed)
    bolt.event("tokens_revoked")(removed)
