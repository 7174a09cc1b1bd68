"""Logging set up once in the entry point: readable lines, or JSON for log shippers.

Every line about a request or a scheduled job carries what it is about (``space``,
``channel``, ``delivery`` or ``job``): the router and the scheduler open a
:func:`log_context` around their work, and a record factory copies it onto each
record, so services log as usual without passing ids around. Ids only: what a
member wrote never goes into a context.

Libraries (APScheduler's per-run lines, aiohttp's access log, slack_bolt, discord.py,
SQLAlchemy, Alembic) log at WARNING unless ``PREPBOT_LOG_LEVEL=DEBUG`` asks for
everything.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TextIO

CONTEXT_FIELDS = ("space", "channel", "delivery", "job")
LIBRARIES = (
    "apscheduler",
    "aiohttp",
    "slack_bolt",
    "slack_sdk",
    "discord",
    "sqlalchemy",
    "alembic",
    "asyncio",
)

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_context: ContextVar[dict[str, str]] = ContextVar("prepbot_log_context", default={})  # noqa: B039
_base_factory: Any = None


@contextmanager
def log_context(**fields: str | int | None) -> Iterator[None]:
    """Add ``fields`` (space, channel, delivery, job …) to every log line inside the block.

    Nested blocks add to the outer one; ``None`` values are left out. It follows the
    asyncio task, so tasks started inside carry it too.
    """
    merged = dict(_context.get())
    merged.update({key: str(value) for key, value in fields.items() if value is not None})
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, str]:
    """The fields of the innermost :func:`log_context` (a copy)."""
    return dict(_context.get())


def install_context() -> None:
    """Copy the current context onto every new log record (idempotent)."""
    global _base_factory
    if _base_factory is not None:
        return
    _base_factory = logging.getLogRecordFactory()
    base = _base_factory

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = base(*args, **kwargs)
        for key, value in _context.get().items():
            record.__dict__.setdefault(key, value)
        return record

    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any ``extra=``/context fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                payload[key] = value if isinstance(value, str | int | float | bool | None) else repr(value)
        if record.exc_info:
            payload["error"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message [space=… channel=… delivery=…]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = [f"{key}={record.__dict__[key]}" for key in CONTEXT_FIELDS if key in record.__dict__]
        if not fields:
            return line
        first, newline, rest = line.partition("\n")  # after the message, before a traceback
        return f"{first} [{' '.join(fields)}]{newline}{rest}"


def configure(*, json_lines: bool, level: str = "INFO", stream: TextIO | None = None) -> None:
    """Route every logger to ``stream`` (stderr) in the chosen format (replaces earlier handlers)."""
    install_context()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    level = level.upper()
    root.setLevel(level)
    # Library chatter stays out unless DEBUG asks for everything.
    quiet = logging.DEBUG if level == "DEBUG" else max(logging.WARNING, logging.getLevelName(level))
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(quiet)
