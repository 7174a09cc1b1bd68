"""What every service needs, built once in the entry point and passed down."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.content import Library
from bot.metrics import Metrics
from bot.settings import Settings
from bot.store.engine import Database


@dataclass
class ServiceContext:
    """The database, the content library, the clock and the settings of one process."""

    db: Database
    library: Library
    clock: Clock
    settings: Settings
    rng: random.Random = field(default_factory=random.Random)
    metrics: Metrics = field(default_factory=Metrics)


class UserError(Exception):
    """A problem the member can fix; its message is shown to them privately."""
