"""A service on its own event loop in a background thread, for blocking (Hypothesis) tests.

Hypothesis drives plain synchronous test functions; the listener, the fakes and
the database need a running loop for the whole module. A subclass implements
:meth:`serve`, which sets things up, calls ``ready()`` and waits for ``stop``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, Self


class LoopThread:
    """Start with ``with``; :meth:`run` executes a coroutine on the service's loop and waits."""

    startup_timeout = 60.0

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def serve(self, stop: asyncio.Event) -> None:
        """Set the service up, call :meth:`ready`, then wait for ``stop``."""
        raise NotImplementedError

    def ready(self) -> None:
        self._ready.set()

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        await self.serve(self._stop)

    def run(self, work: Coroutine[Any, Any, Any], timeout: float = 60.0) -> Any:
        assert self._loop is not None
        future: Future[Any] = asyncio.run_coroutine_threadsafe(work, self._loop)
        return future.result(timeout=timeout)

    def __enter__(self) -> Self:
        self._thread.start()
        assert self._ready.wait(self.startup_timeout), f"{type(self).__name__} did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
