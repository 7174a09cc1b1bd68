"""Configuration read from the environment, built once in the entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every variable of the external contract, with its documented default.

    Slack and Discord variables keep their platform names (no ``PREPBOT_`` prefix),
    as the platforms' own docs spell them.
    """

    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    database_url: str = Field(default="sqlite+aiosqlite:///prepbot.db", alias="PREPBOT_DATABASE_URL")
    host: str = Field(default="0.0.0.0", alias="PREPBOT_HOST")
    port: int = Field(default=3000, alias="PREPBOT_PORT")
    content_path: str = Field(default="", alias="PREPBOT_CONTENT_PATH")
    log_json: bool = Field(default=False, alias="PREPBOT_LOG_JSON")
    log_level: str = Field(default="INFO", alias="PREPBOT_LOG_LEVEL")
    catch_up_hours: float = Field(default=2.0, alias="PREPBOT_CATCH_UP_HOURS")
    voting_hours: float | None = Field(default=None, alias="PREPBOT_VOTING_HOURS")
    # Review aims every item a member has seen at this predicted recall (on their interview day).
    target_recall: float = Field(default=0.90, ge=0.7, le=0.97, alias="PREPBOT_TARGET_RECALL")

    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")

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

    def extra_content_paths(self) -> list[Path]:
        """Pack folders named in ``PREPBOT_CONTENT_PATH`` (``:``-separated)."""
        return [Path(p) for p in self.content_path.split(":") if p.strip()]
