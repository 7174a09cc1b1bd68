"""The gate in front of bolt: size, signature and shape of every Slack request.

Bolt would answer some bad requests with a 500 or hand half-parsed bodies to
listeners; here every request is checked before anything else sees it, and a
bad one gets a short 4xx: oversized → 413, unsigned or stale → 401, malformed
→ 400. Only a request that passes reaches bolt, the core and the database.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

MAX_BODY_BYTES = 1024 * 1024
MAX_SKEW_S = 300
# Slack's deepest payloads (rich text inside a view's state) nest about a dozen
# levels; anything far deeper is not from Slack, and would only make bolt and
# the standard library recurse.
MAX_JSON_DEPTH = 64
# What Slack sends in an interactive request's ``payload=``, and as a JSON event.
INTERACTION_TYPES = frozenset(
    {"block_actions", "view_submission", "view_closed", "shortcut", "message_action", "block_suggestion"}
)
EVENT_TYPES = frozenset({"event_callback", "url_verification", "app_rate_limited"})


class Rejected(Exception):
    """A request refused before processing; ``status`` and a short message for the body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Parsed:
    """A checked request: its decoded text, and the payload as bolt will see it.

    ``kind`` is ``command``, ``interactive``, ``event``, ``url_verification`` or ``ssl_check``.
    """

    kind: str
    text: str
    payload: dict[str, Any]


def verify(verifier: SignatureVerifier, headers: Any, body: bytes, *, now: float | None = None) -> None:
    """Raise :class:`Rejected` (401) unless the request is signed by Slack, recently.

    The signature is checked by slack_sdk's :class:`SignatureVerifier` (one per
    route, built once). It signs text, and Slack sends only UTF-8: a signed body
    that is not is malformed (400).
    """
    timestamp = headers.get("X-Slack-Request-Timestamp")
    given = headers.get("X-Slack-Signature")
    if not timestamp or not given:
        raise Rejected(401, "missing Slack signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Rejected(401, "bad Slack request timestamp") from None
    # A replayed request older (or newer) than five minutes is refused, as Slack advises.
    if abs((time.time() if now is None else now) - sent_at) > MAX_SKEW_S:
        raise Rejected(401, "stale Slack request timestamp")
    if not verifier.is_valid(_text(body), timestamp, given):
        raise Rejected(401, "invalid Slack signature")


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not UTF-8") from None


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise Rejected(400, f"malformed JSON in {what}") from None
    except RecursionError:
        raise Rejected(400, f"JSON in {what} is nested too deeply") from None
    if not isinstance(value, dict):
        raise Rejected(400, f"{what} is not a JSON object")
    if _depth(value) > MAX_JSON_DEPTH:
        raise Rejected(400, f"JSON in {what} is nested too deeply")
    return value


def _depth(value: Any) -> int:
    """How deeply ``value`` nests, measured without recursion (the input is untrusted)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def _require(payload: dict[str, Any], *paths: str) -> None:
    for path in paths:
        node: Any = payload
        for key in path.split("."):
            if not isinstance(node, dict) or not node.get(key):
                raise Rejected(400, f"missing {path}")
            node = node[key]


# Fields bolt reads while building its context: a wrong type there would crash
# it inside dispatch (a 5xx), so they are checked here and answered with a 400.
OBJECT_FIELDS = ("team", "user", "channel", "enterprise", "container", "message", "view", "event", "state")
EVENT_OBJECT_FIELDS = ("message", "previous_message", "item", "view")
EVENT_ID_FIELDS = (
    "channel", "user", "team", "ts", "thread_ts", "event_ts", "text", "type", "subtype", "bot_id",
)  # fmt: skip


def _check_shapes(payload: dict[str, Any]) -> None:
    """Reject payloads whose well-known fields have the wrong JSON type."""
    for key in OBJECT_FIELDS:
        if payload.get(key) is not None and not isinstance(payload[key], dict):
            raise Rejected(400, f"malformed {key}")
    if not isinstance(payload.get("type"), str):
        raise Rejected(400, "malformed type")
    event = payload.get("event")
    if isinstance(event, dict):
        for key in EVENT_OBJECT_FIELDS:
            if event.get(key) is not None and not isinstance(event[key], dict):
                raise Rejected(400, f"malformed event.{key}")
        for key in EVENT_ID_FIELDS:
            if event.get(key) is not None and not isinstance(event[key], str | dict):
                raise Rejected(400, f"malformed event.{key}")
    actions = payload.get("actions")
    if actions is not None and not (isinstance(actions, list) and all(isinstance(a, dict) for a in actions)):
        raise Rejected(400, "malformed actions")
    for action in actions or []:
        if not all(isinstance(action.get(k), str) for k in ("action_id", "action_ts")):
            raise Rejected(400, "malformed actions")
        if action.get("value") is not None and not isinstance(action["value"], str):
            raise Rejected(400, "malformed actions")


def parse(body: bytes, content_type: str) -> Parsed:
    """Decode and check a request's body; raise :class:`Rejected` (400) when it is malformed."""
    try:
        return _parse(body, content_type)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError):
        # A shape the checks above did not foresee is still the sender's mistake.
        raise Rejected(400, "malformed body") from None


def _parse(body: bytes, content_type: str) -> Parsed:
    text = _text(body)
    if not text.strip():
        raise Rejected(400, "empty body")
    content_type = content_type.lower()
    if "json" in content_type or ("form" not in content_type and text.lstrip().startswith("{")):
        return _parse_event(text)
    try:
        form = parse_qs(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise Rejected(400, "malformed form body") from None
    fields = {key: values[-1] for key, values in form.items()}
    if "payload" in fields:
        payload = _json_object(fields["payload"], "payload")
        _require(payload, "type")
        _check_shapes(payload)
        if payload["type"] not in INTERACTION_TYPES:
            raise Rejected(400, "not a Slack interaction type")
        if payload["type"] in ("view_submission", "view_closed") and not isinstance(
            payload.get("view"), dict
        ):
            raise Rejected(400, "missing view")
        if payload["type"] == "block_actions":
            _require(payload, "trigger_id", "user.id")
            actions = payload.get("actions")
            if (
                not isinstance(actions, list)
                or not actions
                or not all(isinstance(a, dict) and a.get("action_id") and a.get("action_ts") for a in actions)
            ):
                raise Rejected(400, "malformed actions")
        return Parsed("interactive", text, payload)
    if fields.get("ssl_check"):
        return Parsed("ssl_check", text, fields)
    if "command" in fields:
        _require(fields, "command", "team_id", "user_id", "channel_id", "trigger_id")
        return Parsed("command", text, fields)
    raise Rejected(400, "not a Slack command, interaction or event")


def _parse_event(text: str) -> Parsed:
    payload = _json_object(text, "body")
    _require(payload, "type")
    _check_shapes(payload)
    if payload["type"] == "url_verification":
        _require(payload, "challenge")
        return Parsed("url_verification", text, payload)
    if payload["type"] not in EVENT_TYPES:
        # The Events API sends only these as JSON; an interaction arrives as a form.
        raise Rejected(400, "not a Slack event")
    if payload["type"] == "event_callback":
        _require(payload, "event_id", "team_id", "event.type")
    return Parsed("event", text, payload)
