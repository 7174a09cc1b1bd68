"""Slack's side of the wire, as tests send it: fixtures, signatures, and the calls prepbot made.

Payloads start from the JSON fixtures in ``tests/fixtures/slack/`` (the shapes
Slack documents) and are signed exactly as Slack signs them (v0 HMAC-SHA256).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"
TEAM = "T0PREP"
BOT_USER = "UPREPBOT"
BOT_ID = "BPREPBOT"


def fixture(name: str, **overrides: Any) -> dict[str, Any]:
    """A fixture payload with top-level keys replaced (``event={...}`` merges into the event)."""
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


@dataclass
class ApiCall:
    """One Web API call prepbot made: the method, its arguments, and what the fake answered."""

    method: str
    args: dict[str, Any]
    status: int = 200
    result: dict[str, Any] = field(default_factory=dict)
    token: str = ""  # the bearer token the call carried

    @property
    def ts(self) -> str:
        """The ts Slack gave the message (chat.postMessage) or the ephemeral (chat.postEphemeral)."""
        return str(self.result.get("ts") or self.result.get("message_ts"))

    def __getitem__(self, key: str) -> Any:
        return self.args[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.args.get(key, default)


class SlackSender:
    """What Slack sends to the app: slash commands, clicks and events, signed, optionally as retries."""

    signing_secret: str
    app_url: str
    users: dict[str, Any]
    _ts: itertools.count[int]
    _http: aiohttp.ClientSession | None

    def response_url(self) -> str:
        raise NotImplementedError

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1_700_000_000 + n}.{n:06d}"

    def sign(self, body: bytes, *, timestamp: int | None = None, secret: str | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        base = b"v0:" + ts.encode() + b":" + body
        digest = hmac.new((secret or self.signing_secret).encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}

    async def deliver(
        self,
        body: bytes,
        content_type: str,
        *,
        retry: int = 0,
        headers: dict[str, str] | None = None,
        url: str | None = None,
    ) -> tuple[int, str]:
        """POST a body to the app's /slack/events (or ``url``) as Slack does; returns (status, text)."""
        assert self._http is not None and (url or self.app_url)
        sent = {"Content-Type": content_type, **self.sign(body), **(headers or {})}
        if retry:
            sent |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        async with self._http.post(url or self.app_url, data=body, headers=sent) as response:
            return response.status, await response.text()

    async def command(self, text: str, *, user: str, channel: str = "C0GENERAL", retry: int = 0,
                      trigger_id: str | None = None) -> tuple[dict[str, Any], tuple[int, str]]:  # fmt: skip
        """``/prep TEXT`` by ``user`` in ``channel``; returns the form sent and the answer."""
        form = fixture(
            "slash_command",
            text=text,
            user_id=user,
            user_name=self.users[user].name if user in self.users else user.lower(),
            channel_id=channel,
            trigger_id=trigger_id or f"{next(self._ts)}.{uuid.uuid4().hex[:12]}",
            response_url=self.response_url(),
        )
        return form, await self.resend_command(form, retry=retry)

    async def resend_command(self, form: dict[str, Any], *, retry: int = 0) -> tuple[int, str]:
        return await self.deliver(urlencode(form).encode(), "application/x-www-form-urlencoded", retry=retry)

    def click_payload(self, message: ApiCall | dict[str, Any], button: dict[str, Any], *, user: str,
                      ephemeral: bool = False) -> dict[str, Any]:  # fmt: skip
        """A block_actions payload: ``user`` pressed ``button`` (a Block Kit element) on ``message``."""
        payload = fixture("block_actions")
        args = message.args if isinstance(message, ApiCall) else message
        ts = message.ts if isinstance(message, ApiCall) else args.get("ts") or self._next_ts()
        payload["user"] = {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM}
        payload["trigger_id"] = f"{next(self._ts)}.{uuid.uuid4().hex[:12]}"
        payload["container"] |= {"message_ts": ts, "channel_id": args["channel"], "is_ephemeral": ephemeral}
        payload["channel"] = {"id": args["channel"], "name": "general"}
        payload["message"] = {
            "type": "message",
            "ts": ts,
            "text": args.get("text", ""),
            "blocks": args["blocks"],
        }
        if args.get("thread_ts"):
            payload["message"]["thread_ts"] = args["thread_ts"]
        if ephemeral:
            del payload["message"]  # Slack sends only the container for an ephemeral message
        payload["response_url"] = self.response_url()
        action = copy.deepcopy(button)
        action["block_id"] = "b1"
        action["action_ts"] = f"{time.time():.6f}"
        payload["actions"] = [action]
        return payload

    async def click(self, payload: dict[str, Any], *, retry: int = 0) -> tuple[int, str]:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.deliver(body, "application/x-www-form-urlencoded", retry=retry)

    def submit_payload(self, opened: ApiCall, *, user: str, values: dict[str, str]) -> dict[str, Any]:
        """A view_submission payload: ``user`` submits the modal a views.open call opened.

        ``values`` maps an input block's id to the text typed into its element.
        """
        view = dict(opened.result["view"])
        state: dict[str, Any] = {}
        for block in view.get("blocks") or []:
            if block.get("type") == "input" and block["block_id"] in values:
                element = block["element"]
                state[block["block_id"]] = {
                    element["action_id"]: {"type": element["type"], "value": values[block["block_id"]]}
                }
        view["state"] = {"values": state}
        view["hash"] = f"{next(self._ts)}.{uuid.uuid4().hex[:8]}"
        return fixture(
            "view_submission",
            user={"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            trigger_id=f"{next(self._ts)}.{uuid.uuid4().hex[:12]}",
            view=view,
        )

    async def event(self, event: dict[str, Any], *, retry: int = 0, event_id: str | None = None
                    ) -> tuple[dict[str, Any], tuple[int, str]]:  # fmt: skip
        """An Events API callback wrapping ``event``; returns the envelope and the answer."""
        envelope = fixture("event_callback", event=event, event_id=event_id or f"Ev{uuid.uuid4().hex[:10]}")
        return envelope, await self.resend_event(envelope, retry=retry)

    async def resend_event(self, envelope: dict[str, Any], *, retry: int = 0) -> tuple[int, str]:
        return await self.deliver(json.dumps(envelope).encode(), "application/json", retry=retry)
