"""``prepbot serve slack``: the HTTP listener, Socket Mode, and the scheduler, in one process.

HTTP routes: ``POST /slack/events`` (commands, interactivity and the Events API,
checked by :mod:`adapters.slack.guard` before bolt sees them), ``GET /healthz``
and ``GET /metrics``. In Socket Mode the same listener serves health and metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Sequence

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError

from adapters.slack.app import TOKEN_ERRORS, SlackApp, TokenRejected
from adapters.slack.described import context_of, ids_of
from adapters.slack.guard import MAX_BODY_BYTES, Parsed, Rejected, parse, verify
from adapters.slack.port import make_client
from adapters.web import listening
from bot.logs import configure, log_context
from bot.metrics import CONTENT_TYPE, Metrics
from bot.ports import ChatPort
from bot.router import Prepbot
from bot.runtime import running_core
from bot.settings import Settings
from scheduler import runner

log = logging.getLogger(__name__)
TOKEN_HELP = {
    "SLACK_BOT_TOKEN": "copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions, "
    "or reinstall the app if it was revoked.",
    "SLACK_APP_TOKEN": "make an app-level token (xapp-…) with connections:write under Basic Information.",
}
# Refusals before bolt sees a request, by the fixed error kinds of bot.metrics.
ERROR_KIND_OF_STATUS = {400: "bad_request", 401: "bad_signature", 404: "bad_request", 413: "too_large"}


def missing_settings(settings: Settings, *, socket: bool) -> list[str]:
    """The Slack variables this mode needs but the environment lacks."""
    needed = {"SLACK_BOT_TOKEN": settings.slack_bot_token}
    if socket:
        needed["SLACK_APP_TOKEN"] = settings.slack_app_token
    else:
        needed["SLACK_SIGNING_SECRET"] = settings.slack_signing_secret
    return [name for name, value in needed.items() if not (value or "").strip()]


async def _read_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise Rejected(413, "request body over 1 MiB")
    data = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        data += chunk
        if len(data) > MAX_BODY_BYTES:
            raise Rejected(413, "request body over 1 MiB")
    return bytes(data)


def build_web_app(bot: Prepbot, slack: SlackApp | None, signing_secret: str | None) -> web.Application:
    """The aiohttp application; ``slack`` is None in Socket Mode (no events over HTTP)."""
    metrics = bot.ctx.metrics

    async def events(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            body = await _read_body(request)
            if signing_secret is None or slack is None:
                raise Rejected(404, "HTTP events are off (Socket Mode)")
            verify(signing_secret, request.headers, body)
            parsed = parse(body, request.headers.get("Content-Type", ""))
        except Rejected as exc:
            metrics.inc("prepbot_errors_total", kind=ERROR_KIND_OF_STATUS.get(exc.status, "bad_request"))
            return web.Response(status=exc.status, text=exc.message + "\n")
        if parsed.kind == "url_verification":
            return web.json_response({"challenge": parsed.payload["challenge"]})
        headers: dict[str, str | Sequence[str]] = dict(request.headers.items())
        try:
            bolt_request = AsyncBoltRequest(body=parsed.text, query=request.query_string, headers=headers)
        except (TypeError, KeyError, AttributeError, ValueError, IndexError):
            # bolt could not read the payload's shape: the request is malformed, not our failure.
            metrics.inc("prepbot_errors_total", kind="bad_request")
            return web.Response(status=400, text="malformed Slack payload\n")
        try:
            # Lines logged while bolt handles it (and by tasks it starts) name the team and channel.
            with log_context(**ids_of(parsed.payload)):
                response = await slack.bolt.async_dispatch(bolt_request)
        except Exception as exc:
            # Listeners ack first and never raise: an exception here is bolt failing to
            # read the payload's shape, so it is the sender's fault (400), logged once.
            return _unreadable(metrics, parsed, type(exc).__name__)
        finally:
            metrics.observe("prepbot_ack_seconds", time.perf_counter() - started)
        if response.status == 404:
            # Something the bot does not use: acknowledge it so Slack does not retry.
            return web.Response(status=200, text="")
        if response.status >= 500:
            return _unreadable(metrics, parsed, f"bolt answered {response.status}")
        return await to_aiohttp_response(response)

    async def healthz(request: web.Request) -> web.Response:
        if await bot.ctx.db.ping():
            return web.json_response({"status": "ok", "database": "ok"})
        return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)

    async def metrics_text(request: web.Request) -> web.Response:
        return web.Response(body=metrics.render().encode(), headers={"Content-Type": CONTENT_TYPE})

    app = web.Application(client_max_size=MAX_BODY_BYTES + 1)
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_text)
    return app


def _unreadable(metrics: Metrics, parsed: Parsed, why: str) -> web.Response:
    log.warning("Slack request bolt could not read (%s, %s); answered 400", context_of(parsed.payload), why)
    metrics.inc("prepbot_errors_total", kind="bad_request")
    return web.Response(status=400, text="malformed Slack payload\n")


async def run_scheduler(bot: Prepbot, port: ChatPort, stop: asyncio.Event) -> None:
    """The APScheduler runner (catch-up, cron posts, periodic ticks) until ``stop`` is set.

    A task of its own, started after the listener, so a catch-up posting to many
    channels never delays ``/healthz`` or an ack. Exactly-once comes from the
    database, so every replica may run it.
    """
    try:
        handle = await runner.start(bot, port)
    except Exception:
        # The app keeps answering members; a restart retries the scheduler.
        log.exception("the scheduler did not start; scheduled posts are paused")
        await stop.wait()
        return
    try:
        await stop.wait()
    finally:
        await handle.stop()


async def run_slack(bot: Prepbot, settings: Settings, *, socket: bool, stop: asyncio.Event) -> None:
    """Run the Slack app on a running core until ``stop`` is set."""
    client = make_client(settings.slack_bot_token, settings.slack_api_url, metrics=bot.ctx.metrics)
    slack = SlackApp(bot, client)
    await slack.check_token()  # a refused token stops here (TokenRejected), before serving
    web_app = build_web_app(bot, None if socket else slack, settings.slack_signing_secret)
    async with listening(web_app, settings.host, settings.port) as port:
        mode = "socket" if socket else "HTTP"
        log.info("prepbot on Slack (%s mode), listening on %s:%s", mode, settings.host, port)
        handler = None
        if socket:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            handler = AsyncSocketModeHandler(
                slack.bolt, settings.slack_app_token, web_client=slack.bolt.client
            )
            try:
                await handler.connect_async()
            except SlackApiError as exc:
                error = str(exc.response.get("error") or "")
                if error in TOKEN_ERRORS:
                    raise TokenRejected("SLACK_APP_TOKEN", error) from None
                raise
        scheduler = asyncio.create_task(run_scheduler(bot, slack.port, stop))
        try:
            await stop.wait()
        finally:
            if handler is not None:
                await handler.close_async()
            await scheduler
            # Finish in-flight work (SIGTERM: stop taking new work, finish, close).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(slack.idle(), timeout=25)


async def serve(settings: Settings, *, socket: bool = False, migrate: bool = True) -> int:
    """Entry point of ``prepbot serve slack``; returns the process exit code."""
    missing = missing_settings(settings, socket=socket)
    if missing:
        mode = "Socket Mode" if socket else "HTTP mode"
        print(f"prepbot: cannot start on Slack ({mode}): set {', '.join(missing)}.", file=sys.stderr)
        return 2
    configure(json_lines=settings.log_json, level=settings.log_level)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    try:
        async with running_core(settings, migrate=migrate) as bot:
            await run_slack(bot, settings, socket=socket, stop=stop)
    except TokenRejected as exc:
        print(
            f"prepbot: Slack refused {exc.variable} ({exc.error}): {TOKEN_HELP[exc.variable]}",
            file=sys.stderr,
        )
        return 2
    except OSError as exc:
        print(f"prepbot: cannot start on Slack: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
        log.debug("start-up failed", exc_info=True)
        print(f"prepbot: cannot start on Slack: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0
