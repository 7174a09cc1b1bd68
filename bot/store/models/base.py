"""What every table module shares."""

from __future__ import annotations

import datetime as dt

from sqlmodel import SQLModel
from sqlmodel._compat import SQLModelConfig  # the type of SQLModel.model_config


class Table(SQLModel):
    """The base of every table: a SQLModel whose pydantic validator is built on first use only.

    Rows are built by SQLAlchemy (loads) or by keyword (``Model(...)``, which a table
    model never validates), so serving never validates a table model; building the
    32 validators and serializers up front cost about 0.5 MiB of every process's
    idle memory. A ``model_validate`` or ``model_dump`` still works: it builds the
    validator then.
    """

    model_config = SQLModelConfig(defer_build=True)  # merged with SQLModel's own (from_attributes)


def utc_now() -> dt.datetime:
    """Now, timezone-aware UTC: the default of every ``created_at``."""
    return dt.datetime.now(dt.UTC)
