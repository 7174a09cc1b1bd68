"""What every table module shares."""

from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """Now, timezone-aware UTC: the default of every ``created_at``."""
    return dt.datetime.now(dt.UTC)
