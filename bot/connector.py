"""What a chat platform plugs into the host with: a connector.

The host (``host/``) builds the process once — settings, logging, the database,
the core, the scheduler, ``/healthz`` and ``/metrics`` — and then runs one
connector, loaded by platform name (``adapters.<platform>.connector``), so a
process imports only its own platform's SDK.

A connector translates the platform's payloads into :mod:`bot.events` objects,
hands them to the core's front door (``Prepbot.handle``, ``text_input``,
``metrics``, ``library``), and renders what the core sends through its
:class:`~bot.ports.ChatPort`. It never touches the database or the scheduler.

Lifecycle, driven by the host::

    connector = module.connector(settings, **options)   # no I/O; a missing setting is a Misconfigured
    await connector.start(core)     # check credentials, begin taking events; raises on refusal
    ... serve() runs until the platform connection ends; stop() ends it ...
    await connector.stop()          # stop taking events, finish work in flight, disconnect
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from bot.ports import ChatPort

if TYPE_CHECKING:
    from aiohttp import web

    from bot.router import Prepbot


class Misconfigured(Exception):
    """A setting the connector needs is missing or refused: one line for the operator, exit 2."""


class Connector(Protocol):
    """One chat platform as the host runs it."""

    name: str
    """The platform's name as ``prepbot serve NAME`` spells it (``slack``, ``discord``)."""

    @property
    def port(self) -> ChatPort:
        """How the core posts to this platform (the scheduler uses it too); valid after ``start``."""
        ...

    async def start(self, core: Prepbot) -> None:
        """Check the credentials and begin taking events for ``core``; return once serving.

        Raises :class:`Misconfigured` for a credential the platform refuses, or the
        platform's own error (explained by :meth:`failure`).
        """
        ...

    async def serve(self) -> None:
        """Run until the platform connection ends for good (or forever); cancelled by the host."""
        ...

    async def ready(self) -> None:
        """Return once :attr:`port` can post (Discord: the gateway is ready)."""
        ...

    async def stop(self) -> None:
        """Stop taking new events, finish the work members wait on, and disconnect."""
        ...

    def routes(self) -> Sequence[web.RouteDef]:
        """HTTP routes the platform needs beside ``/healthz`` and ``/metrics`` (Slack's events)."""
        ...

    def health(self) -> Mapping[str, str]:
        """Extra fields for ``/healthz`` (reported, never judged: the database decides health)."""
        ...

    def failure(self, exc: Exception) -> tuple[int, str] | None:
        """The exit code and one line for an error from ``start``/``serve``; None: not the platform's."""
        ...
