"""The gateway's parsers, made to drop an event they cannot read instead of going offline.

Discord's own payloads are well formed, but a proxy, a replayed capture or a
future field change can deliver one that discord.py's parsers trip on; see
:func:`guard_parsers` for why that takes the whole bot down without this.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def guard_parsers(parsers: dict[str, Callable[[Any], None]]) -> None:
    """Make each gateway event parser drop a payload it cannot read instead of raising.

    discord.py parses a DISPATCH inside its gateway loop: a KeyError there (an
    INTERACTION_CREATE whose ``data`` lacks ``custom_id``, say) ends
    ``Client.start()`` and takes the bot offline. discord.py offers no public
    hook for this, so the state's parser table is wrapped once at construction:
    an unreadable event is logged as one WARNING (event name and error type,
    never the payload) and ignored, as Discord would want from a client.
    """
    for event, parse in list(parsers.items()):
        parsers[event] = _guarded(event, parse)


def _guarded(event: str, parse: Callable[[Any], None]) -> Callable[[Any], None]:
    def run(data: Any) -> None:
        try:
            parse(data)
        except Exception as exc:
            name = type(exc).__name__
            log.warning("Discord sent a %s event prepbot cannot read (%s); ignored", event, name)
            log.debug("unreadable %s event", event, exc_info=True)

    return run
