"""What a Slack request is about, for logs and log context: ids and kind, never text.

Pure functions of a request's payload, shared by the listeners (``app``), the
HTTP handler (``server``) and bolt's error handler. A payload may be malformed
here (these run when bolt could not read it), so every field is type-checked.
"""

from __future__ import annotations

from typing import Any


def request_kind(body: dict[str, Any]) -> str:
    """What a request is, for logs: ``command``, ``block_actions``, ``event_callback/message`` …"""
    if "command" in body:
        return "command"
    kind = str(body.get("type") or "unknown")
    event = body.get("event")
    if kind == "event_callback" and isinstance(event, dict):
        kind += f"/{event.get('type')}"
    return kind[:60]


def ids_of(body: dict[str, Any]) -> dict[str, str | None]:
    """The request's team and channel ids (as log-context ``space`` and ``channel``), when it has them."""
    team, channel = body.get("team_id"), body.get("channel_id")
    if team is None and isinstance(body.get("team"), dict):
        team = body["team"].get("id")
    if channel is None and isinstance(body.get("channel"), dict):
        channel = body["channel"].get("id")
    if channel is None and isinstance(body.get("event"), dict):
        channel = body["event"].get("channel")
    return {
        "space": str(team)[:40] if isinstance(team, str) else None,
        "channel": str(channel)[:40] if isinstance(channel, str) else None,
    }


def context_of(body: dict[str, Any]) -> str:
    """``team=T… channel=C… kind=…`` for a log line: ids only, never what a member wrote."""
    ids = ids_of(body)
    return f"team={ids['space'] or '-'} channel={ids['channel'] or '-'} kind={request_kind(body)}"
