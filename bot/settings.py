"""Configuration read from the environment (and ``.env``), built once in the entry point.

The command line builds :class:`Settings` with ``.env`` from the working directory
(:func:`load`); the environment wins over the file. A value that does not fit is
turned into one line per variable by :func:`problems`, naming the variable, the
value (secrets shortened) and what is expected.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ENV_FILE = ".env"
ASYNC_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SECRETS = {
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_SECRET",
    "DISCORD_BOT_TOKEN",
}
BOOL = "true or false (also 1/0, yes/no, on/off)"

# What each variable takes, in the words of the error line (and of .env.example).
EXPECTED = {
    "PREPBOT_DATABASE_URL": "an async SQLAlchemy URL: sqlite+aiosqlite:///FILE or "
    "postgresql+asyncpg://USER:PASSWORD@HOST/DB",
    "PREPBOT_HOST": "an address to listen on, such as 0.0.0.0 or 127.0.0.1",
    "PREPBOT_PORT": "a whole number from 0 to 65535",
    "PREPBOT_CONTENT_PATH": "pack folders separated by ':'",
    "PREPBOT_LOG_JSON": BOOL,
    "PREPBOT_LOG_LEVEL": "one of " + ", ".join(LOG_LEVELS),
    "PREPBOT_CATCH_UP_HOURS": "a number of hours, 0 or more (such as 2 or 0.5)",
    "PREPBOT_VOTING_HOURS": "a number of hours above 0 (such as 24), or empty for the default",
    "PREPBOT_TARGET_RECALL": "a predicted recall from 0.7 to 0.97 (such as 0.9)",
    "PREPBOT_VOTES_PER_MEMBER": "a whole number of votes from 1 to 10",
    "PREPBOT_MIN_ANSWER_CHARS": "a whole number of characters from 0 to 2000",
    "PREPBOT_DAILY_REVIEWS": "a whole number of reviews from 1 to 100",
    "PREPBOT_ANSWER_RETENTION_DAYS": "a whole number of days, 1 or more, or empty to keep answers and votes",
    "PREPBOT_UNINSTALL_RETENTION_DAYS": "a whole number of days, 0 or more (30 by default)",
    "PREPBOT_DELETE_BATCH": "a whole number of rows from 1 to 10000",
    "SLACK_BOT_TOKEN": "a bot token starting with xoxb- (OAuth & Permissions → Bot User OAuth Token; "
    "an xapp- token goes in SLACK_APP_TOKEN)",
    "SLACK_SIGNING_SECRET": "the app's signing secret (Basic Information → App Credentials)",
    "SLACK_APP_TOKEN": "an app-level token starting with xapp- (Basic Information → App-Level Tokens)",
    "SLACK_API_URL": "an http(s) URL",
    "SLACK_CLIENT_ID": "the app's Client ID (Basic Information → App Credentials)",
    "SLACK_CLIENT_SECRET": "the app's Client Secret (Basic Information → App Credentials)",
    "SLACK_REDIRECT_URI": "the https URL of /slack/oauth_redirect as the app's OAuth settings list it",
    "PREPBOT_TOKEN_ROTATION_MINUTES": "a whole number of minutes from 1 to 720",
    "DISCORD_BOT_TOKEN": "the bot token from the Developer Portal (Bot → Reset Token)",
    "DISCORD_API_URL": "an http(s) URL",
    "DISCORD_GATEWAY_URL": "a ws(s) URL, or empty for Discord's gateway",
    "PREPBOT_DISCORD_SHARDED": BOOL,
    "PREPBOT_DISCORD_MESSAGE_CONTENT": "one of auto, on, off",
}


class Settings(BaseSettings):
    """Every variable of the external contract, with its documented default.

    Slack and Discord variables keep their platform names (no ``PREPBOT_`` prefix),
    as the platforms' own docs spell them. ``Settings()`` reads the environment only;
    :func:`load` adds ``.env``.
    """

    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    database_url: str = Field(default="sqlite+aiosqlite:///prepbot.db", alias="PREPBOT_DATABASE_URL")
    host: str = Field(default="0.0.0.0", min_length=1, alias="PREPBOT_HOST")
    port: int = Field(default=3000, ge=0, le=65535, alias="PREPBOT_PORT")
    content_path: str = Field(default="", alias="PREPBOT_CONTENT_PATH")
    log_json: bool = Field(default=False, alias="PREPBOT_LOG_JSON")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", alias="PREPBOT_LOG_LEVEL"
    )
    catch_up_hours: float = Field(default=2.0, ge=0, alias="PREPBOT_CATCH_UP_HOURS")
    # How long a prompt's voting stays open before the digest; unset: the shipped default.
    voting_hours: float | None = Field(default=None, gt=0, alias="PREPBOT_VOTING_HOURS")
    # Review aims every item a member has seen at this predicted recall (on their interview day).
    target_recall: float = Field(default=0.90, ge=0.7, le=0.97, alias="PREPBOT_TARGET_RECALL")
    # A few votes per member and prompt, so a vote is a choice rather than a cheer.
    votes_per_member: int = Field(default=2, ge=1, le=10, alias="PREPBOT_VOTES_PER_MEMBER")
    # A thread reply shorter than this starts no answer: it is a comment (not on the ballot, not scored).
    min_answer_chars: int = Field(default=60, ge=0, le=2000, alias="PREPBOT_MIN_ANSWER_CHARS")
    # The daily plan's reviews stop here (riskiest for the interview day first), so a day stays doable.
    daily_reviews: int = Field(default=10, ge=1, le=100, alias="PREPBOT_DAILY_REVIEWS")
    # Answers and votes on prompts posted longer ago than this go (daily, in batches); unset: kept.
    answer_retention_days: int | None = Field(default=None, ge=1, alias="PREPBOT_ANSWER_RETENTION_DAYS")
    # A space the app was removed from keeps its data this long, in case it is installed again.
    uninstall_retention_days: int = Field(default=30, ge=0, alias="PREPBOT_UNINSTALL_RETENTION_DAYS")
    # Rows one transaction of the daily deletions removes at most.
    delete_batch: int = Field(default=500, ge=1, le=10000, alias="PREPBOT_DELETE_BATCH")

    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    # OAuth installs (many workspaces): both set instead of SLACK_BOT_TOKEN.
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(default=None, alias="SLACK_CLIENT_SECRET")
    # Unset: Slack uses the app's one configured redirect URL.
    slack_redirect_uri: str | None = Field(default=None, alias="SLACK_REDIRECT_URI")
    # With token rotation on, a token is refreshed this long before it expires (Slack's last 12 hours).
    token_rotation_minutes: int = Field(default=120, ge=1, le=720, alias="PREPBOT_TOKEN_ROTATION_MINUTES")

    discord_bot_token: str | None = Field(default=None, alias="DISCORD_BOT_TOKEN")
    discord_api_url: str = Field(default="https://discord.com/api/v10", alias="DISCORD_API_URL")
    discord_gateway_url: str | None = Field(default=None, alias="DISCORD_GATEWAY_URL")
    discord_sharded: bool = Field(default=False, alias="PREPBOT_DISCORD_SHARDED")
    # Message Content is a privileged intent: ``auto`` asks for it and carries on without it
    # when Discord refuses (close code 4014); ``on`` stops instead; ``off`` never asks.
    discord_message_content: Literal["auto", "on", "off"] = Field(
        default="auto", alias="PREPBOT_DISCORD_MESSAGE_CONTENT"
    )

    @field_validator("discord_message_content", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator(
        "voting_hours",
        "answer_retention_days",
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_id",
        "slack_client_secret",
        "slack_redirect_uri",
        "discord_bot_token",
        "discord_gateway_url",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # ``VAR=`` in .env or compose means "not set", not "an empty token".
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("database_url")
    @classmethod
    def _async_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("not a URL") from None
        if url.drivername not in ASYNC_DRIVERS:
            raise ValueError(f"driver {url.drivername!r} is not an async driver")
        return value

    @field_validator("slack_api_url", "discord_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("not an http(s) URL")
        return value

    @field_validator("slack_redirect_uri")
    @classmethod
    def _redirect_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("not an http(s) URL")
        return value

    @field_validator("discord_gateway_url")
    @classmethod
    def _ws_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^wss?://[^/\s]+", value):
            raise ValueError("not a ws(s) URL")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: str | None) -> str | None:
        # The usual mix-up: the app-level (xapp-) or a user (xoxp-) token pasted here.
        if value is not None and not value.startswith("xoxb-"):
            raise ValueError("not a bot token")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xapp-"):
            raise ValueError("not an app-level token")
        return value

    @property
    def slack_oauth(self) -> bool:
        """Many workspaces through OAuth installs (either half of the pair set; the connector checks both)."""
        return bool(self.slack_client_id or self.slack_client_secret)

    def extra_content_paths(self) -> list[Path]:
        """Pack folders named in ``PREPBOT_CONTENT_PATH`` (``:``-separated)."""
        return [Path(p) for p in self.content_path.split(":") if p.strip()]


def load(env_file: str | Path | None = ENV_FILE) -> Settings:
    """The settings from the environment and ``env_file`` (when it exists); the environment wins.

    Raises :class:`pydantic.ValidationError`; :func:`problems` words it for people.
    """
    return Settings(_env_file=env_file)  # type: ignore[call-arg]


def problems(error: ValidationError) -> list[str]:
    """One line per variable that does not fit: the variable, its value, what it takes."""
    lines: dict[str, str] = {}
    by_field = {name: str(field.alias) for name, field in Settings.model_fields.items()}
    for detail in error.errors():
        where = str(detail["loc"][0]) if detail["loc"] else "?"
        variable = by_field.get(where, where).upper()
        if variable in lines:
            continue
        shown = _shown(variable, detail.get("input"))
        expected = EXPECTED.get(variable, detail["msg"])
        lines[variable] = f"prepbot: {variable}={shown} is not valid: expected {expected}."
    return list(lines.values())


def _shown(variable: str, value: Any) -> str:
    """The value as the line shows it: quoted, secrets cut to their prefix, passwords hidden."""
    text = value if isinstance(value, str) else str(value)
    if variable in SECRETS and len(text) > 5:
        text = text[:5] + "…"
    elif variable == "PREPBOT_DATABASE_URL":
        text = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text)
    return repr(text)
