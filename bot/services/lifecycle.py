"""The app installed in or removed from a space: scheduled work stops or starts again.

Adapters hand in :class:`bot.events.AppRemoved` (Slack ``app_uninstalled`` or
``tokens_revoked``, the bot leaving a Discord guild) and :class:`bot.events.AppInstalled`
(an OAuth install completed, the bot joined a guild). The platform's tokens are the
adapter's business (deleted from the installation store before this runs); here the
space is marked, in one transaction. Every scheduled query skips a marked space
(``Space.uninstalled_at``), so prompts, digests, reminders, pairing, plans and reports
stop at once; the data stays until the retention window has passed (or the app is
installed again, which unmarks it and resumes everything).

Both events are idempotent (setting the mark keeps its first time), so they are not
claimed as deliveries: Slack's retry of ``app_uninstalled`` changes nothing.
"""

from __future__ import annotations

import logging

from bot.events import AppInstalled, AppRemoved
from bot.services.context import ServiceContext
from bot.store import lifecycle as store

log = logging.getLogger(__name__)


async def space_changed(ctx: ServiceContext, event: AppInstalled | AppRemoved) -> None:
    """Mark or unmark ``event.space`` (one transaction)."""
    async with ctx.db.unit() as session:
        if isinstance(event, AppRemoved):
            await store.mark_removed(session, ref=event.space, at=ctx.clock.now())
        else:
            await store.mark_installed(session, ref=event.space)
    what = "removed from" if isinstance(event, AppRemoved) else "installed in"
    log.info("app %s %s space %s", what, event.space.platform, event.space.id)
