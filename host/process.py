"""``prepbot serve PLATFORM``: one process, wired once, running one connector.

Order of start-up: the connector checks its settings (no I/O; a missing one is
one line and exit 2), logging is configured, the core opens the database (and
migrates it), the connector checks its credentials with the platform, the HTTP
endpoints listen, and the scheduler starts once the connector can post. SIGINT
and SIGTERM stop taking new work, let work in flight finish, and exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import os
import signal
import sys
from types import ModuleType
from typing import Any

from adapters.web import listening
from bot.connector import Connector, Misconfigured
from bot.logs import configure
from bot.router import Prepbot
from bot.settings import Settings
from host.content_apart import ContentApart, load_apart
from host.web import web_app

log = logging.getLogger(__name__)


def load_connector(platform: str, settings: Settings, **options: Any) -> Connector:
    """The connector of ``platform``, imported only now: a Slack process never loads discord.py.

    Raises :class:`Misconfigured` when a setting the platform needs is missing.
    """
    module = importlib.import_module(f"adapters.{platform}.connector")
    connector: Connector = module.connector(settings, **options)
    return connector


async def run_scheduler(
    core: Prepbot,
    connector: Connector,
    stop: asyncio.Event,
    loading: asyncio.Future[ModuleType] | None = None,
) -> None:
    """The scheduler (catch-up, daily posts, ticks) from when the connector can post until ``stop``.

    A task of its own, so a catch-up posting to many channels never delays
    ``/healthz`` or an ack. Exactly-once comes from the database, so every replica
    may run it; one that fails to start logs it and the process keeps answering.
    ``loading`` is :func:`load_scheduler` begun earlier, if it was.
    """
    runner = await (loading if loading is not None else load_scheduler())
    ready = asyncio.ensure_future(connector.ready())
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({ready, stopped}, return_when=asyncio.FIRST_COMPLETED)
    ready.cancel()
    if stop.is_set():
        return
    try:
        handle = await runner.start(core, connector.port)
    except Exception:
        log.exception("the scheduler did not start; scheduled posts are paused")
        await stopped
        return
    try:
        await stopped
    finally:
        await handle.stop()


def load_scheduler() -> asyncio.Future[ModuleType]:
    """``scheduler.runner`` imported on a worker thread (apscheduler: ~0.1 s of imports).

    Begun before the connector checks its credentials, the import overlaps that
    round trip to the platform; imported on the loop after listening, it would hold
    the first ``/healthz`` and the first requests until done.
    """
    return asyncio.ensure_future(asyncio.to_thread(importlib.import_module, "scheduler.runner"))


async def run(core: Prepbot, connector: Connector, settings: Settings, stop: asyncio.Event) -> None:
    """Run ``connector`` on a running core until ``stop`` is set or the platform connection ends.

    The platform's error that ended the connection (a refused intent, a closed
    gateway) is raised after everything has stopped.
    """
    loading = load_scheduler()
    try:
        await connector.start(core)  # a refused credential stops here, before anything listens
        # What start built (modules, the content library, the app) lives as long as the process:
        # out of the collector's sight, a full collection under load scans only newer objects.
        gc.collect()  # start's own garbage, once: frozen, it would never be collected
        gc.freeze()
        gc.enable()  # off during start (see main()); collecting from now on scans only newer objects
        app = web_app(core, connector.routes(), connector.health)
        async with listening(app, settings.host, settings.port) as bound:
            log.info("prepbot on %s, listening on %s:%s", connector.name, settings.host, bound)
            serving = asyncio.create_task(connector.serve())
            scheduling = asyncio.create_task(run_scheduler(core, connector, stop, loading))
            stopping = asyncio.create_task(stop.wait())
            try:
                await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stop.set()
                await scheduling
                await connector.stop()
                serving.cancel()  # a no-op once the connection has ended by itself
                with contextlib.suppress(asyncio.CancelledError):
                    await serving
    except BaseException:
        with contextlib.suppress(Exception):
            await connector.stop()  # idempotent: start or listening failed, or stopping did
        with contextlib.suppress(BaseException):
            await loading  # a thread cannot be cancelled: let the import end before the loop does
        raise


def main(platform: str, settings: Settings, *, migrate: bool = True, **options: Any) -> int:
    """Entry point of ``prepbot serve PLATFORM``; returns the process exit code.

    The cyclic collector is off from here until :func:`run` has frozen what start
    built: start allocates much and frees little (about 2,000 objects of cyclic
    garbage), and the collector would scan the growing heap hundreds of times.
    """
    gc.disable()
    try:
        return _main(platform, settings, migrate=migrate, **options)
    finally:
        gc.enable()  # a start that failed; serving had it on since run() froze


def _main(platform: str, settings: Settings, *, migrate: bool, **options: Any) -> int:
    try:
        connector = load_connector(platform, settings, **options)
    except Misconfigured as exc:
        print(str(exc), file=sys.stderr)
        return 2
    content = load_apart(settings)  # before any thread or loop exists; see host.content_apart
    try:
        configure(json_lines=settings.log_json, level=settings.log_level)
        if migrate and hasattr(os, "fork"):
            from bot.store.schema import ready

            # A new SQLite file gets the head schema from its snapshot and a database at head is
            # left alone, in a few milliseconds; only the rest needs alembic, in the fork.
            if not ready(settings.database_url):
                code = migrate_apart(settings, connector)
                if code != 0:
                    return code
            migrate = False
        return asyncio.run(serve(connector, settings, migrate=migrate, content=content))
    finally:
        if content is not None:
            content.close()


def migrate_apart(settings: Settings, connector: Connector) -> int:
    """Upgrade the schema in a forked child; returns its exit code (0: at head).

    Migrating is a one-off job: run apart, the server never loads alembic (nor the
    mako and pygments it brings), about 10 MiB of its idle memory. The fork happens
    before any event loop or thread exists, and reuses the modules already loaded,
    so it costs no new interpreter start. A failure is one line, as in :func:`serve`.
    """
    child = os.fork()
    if child == 0:  # pragma: no cover - the child leaves by os._exit
        gc.enable()  # off in the parent's start (see main()); a long data migration collects as usual
        code = 0
        try:
            asyncio.run(_upgrade(settings.database_url))
        except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
            code, line = _explain(connector, exc)
            print(line, file=sys.stderr)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status)


async def _upgrade(url: str) -> None:
    from bot.store.engine import Database
    from bot.store.migrate import upgrade

    db = Database(url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()


def _explain(connector: Connector, exc: Exception) -> tuple[int, str]:
    log.debug("prepbot stopped on an error", exc_info=True)
    explained = connector.failure(exc)
    return explained or (1, f"prepbot: cannot start on {connector.name}: {type(exc).__name__}: {exc}")


async def serve(
    connector: Connector, settings: Settings, *, migrate: bool = True, content: ContentApart | None = None
) -> int:
    """Run ``connector`` until SIGINT/SIGTERM (or the platform ends it); returns the exit code.

    ``content``: the child loading the content library, if one was begun (else it is loaded here).
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    from bot.runtime import running_core  # the core's imports, after the settings are known good

    library = content.library() if content is not None else None
    try:
        async with running_core(settings, migrate=migrate, library=library) as core:
            await run(core, connector, settings, stop)
    except Misconfigured as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
        code, line = _explain(connector, exc)
        print(line, file=sys.stderr)
        return code
    return 0
