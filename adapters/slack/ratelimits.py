"""Slack's documented Web API rate limits: what the pacer starts from.

Source: Slack's "Rate limits" page, https://docs.slack.dev/apis/web-api/rate-limits
(formerly https://api.slack.com/apis/rate-limits), and each method's reference page:

- limits apply "per API method per workspace per app";
- Tier 1: 1+ per minute; Tier 2: 20+ per minute; Tier 3: 50+ per minute;
  Tier 4: 100+ per minute (bursts tolerated);
- ``chat.postMessage`` is special: "generally allows posting one message per
  second per channel, while also maintaining a workspace-wide limit"
  ("short bursts >1 allowed").

Slack publishes no figure for the workspace-wide posting limit.
:data:`WORKSPACE_POSTS` is prepbot's starting assumption (20 posts a second); a
workspace that refuses earlier teaches the pacer its real limit through 429 and
``Retry-After`` (:mod:`adapters.slack.pacer`).
"""

from __future__ import annotations

from adapters.pacing import Limit

TIERS = {
    1: Limit(1, 60.0),
    2: Limit(20, 60.0),
    3: Limit(50, 60.0),
    4: Limit(100, 60.0),
}
# The tier of each method prepbot calls (from the methods' reference pages).
METHOD_TIERS = {
    "apps.connections.open": 1,
    "conversations.history": 3,
    "conversations.info": 3,
    "conversations.join": 3,
    "conversations.open": 3,
    "users.conversations": 3,
    "chat.update": 3,
    "chat.delete": 3,
    "reactions.add": 3,
    "team.info": 3,
    "auth.test": 4,  # "special"; at least Tier 4
    "chat.postEphemeral": 4,
    "users.info": 4,
    "views.open": 4,
    "views.publish": 4,
    "views.update": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
}
DEFAULT_TIER = 3  # a method not listed above: a middling tier until Slack says otherwise
POST_METHOD = "chat.postMessage"
# "One message per second per channel", short bursts allowed: up to 3 at once, 1/s on average.
CHANNEL_POSTS = Limit(3, 3.0)
# Not published by Slack (see the module docstring): a starting point, lowered by 429s.
WORKSPACE_POSTS = Limit(20, 1.0)


def tier_limit(method: str) -> Limit:
    """The documented limit of ``method`` for one workspace (chat.postMessage: see :func:`post_limits`)."""
    return TIERS[METHOD_TIERS.get(method, DEFAULT_TIER)]


def post_limits() -> tuple[Limit, Limit]:
    """chat.postMessage's (per channel, per workspace) limits."""
    return CHANNEL_POSTS, WORKSPACE_POSTS
