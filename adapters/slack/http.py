"""Slack's HTTP route, ``POST /slack/events``: commands, interactivity and the Events API.

Each request is checked by :mod:`adapters.slack.guard` (size, signature, shape)
before bolt sees it; the host serves the route beside ``/healthz`` and
``/metrics``. In Socket Mode the route answers 404 (events come over the socket).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.app import SlackApp
from adapters.slack.described import context_of, ids_of
from adapters.slack.guard import MAX_BODY_BYTES, Parsed, Rejected, parse, verify
from adapters.slack.messages import RETRY_STATUS
from bot.logs import log_context
from bot.metrics import Metrics

log = logging.getLogger(__name__)
# Refusals before bolt sees a request, by the fixed error kinds of bot.metrics.
ERROR_KIND_OF_STATUS = {400: "bad_request", 401: "bad_signature", 404: "bad_request", 413: "too_large"}


async def _read_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise Rejected(413, "request body over 1 MiB")
    data = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        data += chunk
        if len(data) > MAX_BODY_BYTES:
            raise Rejected(413, "request body over 1 MiB")
    return bytes(data)


def events_route(slack: SlackApp | None, signing_secret: str | None, metrics: Metrics) -> web.RouteDef:
    """``POST /slack/events``; ``slack`` is None in Socket Mode (no events over HTTP: 404)."""

    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    async def events(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            body = await _read_body(request)
            if verifier is None or slack is None:
                raise Rejected(404, "HTTP events are off (Socket Mode)")
            verify(verifier, request.headers, body)
            parsed = parse(body, request.headers.get("Content-Type", ""))
        except Rejected as exc:
            metrics.inc("prepbot_errors_total", kind=ERROR_KIND_OF_STATUS.get(exc.status, "bad_request"))
            return web.Response(status=exc.status, text=exc.message + "\n")
        if parsed.kind == "url_verification":
            return web.json_response({"challenge": parsed.payload["challenge"]})
        headers: dict[str, str | Sequence[str]] = dict(request.headers.items())
        try:
            bolt_request = _bolt_request(parsed, request.query_string, headers)
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
        if response.status >= 500 and response.status != RETRY_STATUS:  # RETRY_STATUS: Slack is to retry
            return _unreadable(metrics, parsed, f"bolt answered {response.status}")
        return await to_aiohttp_response(response)

    if slack is None:
        return web.post("/slack/events", events)
    lane = slack.lane

    async def counted(request: web.Request) -> web.StreamResponse:
        # From arrival to response: commands' work waits while requests are in flight.
        with lane.acking():
            response = await events(request)
        # One pass of the loop before the response is written: the acks of requests handled
        # in the same pass then go out back to back, so under a burst the sender is woken
        # (and this process preempted) once per batch of acks, not once per ack.
        await asyncio.sleep(0)
        return response

    return web.post("/slack/events", counted)


def _bolt_request(parsed: Parsed, query: str, headers: dict[str, str | Sequence[str]]) -> AsyncBoltRequest:
    """Bolt's request for a checked one, from the payload the guard already parsed.

    Bolt takes a parsed body only on its Socket Mode path (its HTTP path would
    parse the text again, before every ack); the mode only tells bolt whether to
    check the signature, which the guard has done, so the request is then marked
    as the HTTP request it is.
    """
    request = AsyncBoltRequest(body=parsed.payload, query=query, headers=headers, mode="socket_mode")
    request.mode, request.raw_body = "http", parsed.text
    return request


def _unreadable(metrics: Metrics, parsed: Parsed, why: str) -> web.Response:
    log.warning("Slack request bolt could not read (%s, %s); answered 400", context_of(parsed.payload), why)
    metrics.inc("prepbot_errors_total", kind="bad_request")
    return web.Response(status=400, text="malformed Slack payload\n")
