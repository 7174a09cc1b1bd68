"""Many workspaces on one deployment: Slack's installation tables, and what prepbot keeps beside them.

``slack_installations``, ``slack_bots`` and ``slack_oauth_states`` are slack_sdk's
SQLAlchemy stores' tables, column for column (``tests/test_oauth_store.py`` compares
them with slack_sdk's own definitions): prepbot's migrations create them, so the
stores never create tables at run time, and the models here only let the schema
check (``tests/test_store.py``) see them. They are written and read by slack_sdk's
stores (handed their engine by the host), never by prepbot's repositories.

:class:`TokenLease` makes a token refresh one replica's job at a time;
:class:`SlackTeam` remembers which Enterprise Grid org a workspace belongs to, so
scheduled work in a workspace of an org-wide install finds the org's token.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.store.models.base import Table


def _installed_at() -> sa.Column[dt.datetime]:
    return sa.Column("installed_at", sa.DateTime, nullable=False, default=sa.func.now())


# slack_sdk.oauth.installation_store.sqlalchemy.SQLAlchemyInstallationStore.build_installations_table
slack_installations = sa.Table(
    "slack_installations",
    SQLModel.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("client_id", sa.String(32), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("enterprise_id", sa.String(32)),
    sa.Column("enterprise_name", sa.String(200)),
    sa.Column("enterprise_url", sa.String(200)),
    sa.Column("team_id", sa.String(32)),
    sa.Column("team_name", sa.String(200)),
    sa.Column("bot_token", sa.String(200)),
    sa.Column("bot_id", sa.String(32)),
    sa.Column("bot_user_id", sa.String(32)),
    sa.Column("bot_scopes", sa.String(1000)),
    sa.Column("bot_refresh_token", sa.String(200)),
    sa.Column("bot_token_expires_at", sa.DateTime),
    sa.Column("user_id", sa.String(32), nullable=False),
    sa.Column("user_token", sa.String(200)),
    sa.Column("user_scopes", sa.String(1000)),
    sa.Column("user_refresh_token", sa.String(200)),
    sa.Column("user_token_expires_at", sa.DateTime),
    sa.Column("incoming_webhook_url", sa.String(200)),
    sa.Column("incoming_webhook_channel", sa.String(200)),
    sa.Column("incoming_webhook_channel_id", sa.String(200)),
    sa.Column("incoming_webhook_configuration_url", sa.String(200)),
    sa.Column("is_enterprise_install", sa.Boolean, default=False, nullable=False),
    sa.Column("token_type", sa.String(32)),
    _installed_at(),
    sa.Index("slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
)

# ... build_bots_table
slack_bots = sa.Table(
    "slack_bots",
    SQLModel.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("client_id", sa.String(32), nullable=False),
    sa.Column("app_id", sa.String(32), nullable=False),
    sa.Column("enterprise_id", sa.String(32)),
    sa.Column("enterprise_name", sa.String(200)),
    sa.Column("team_id", sa.String(32)),
    sa.Column("team_name", sa.String(200)),
    sa.Column("bot_token", sa.String(200)),
    sa.Column("bot_id", sa.String(32)),
    sa.Column("bot_user_id", sa.String(32)),
    sa.Column("bot_scopes", sa.String(1000)),
    sa.Column("bot_refresh_token", sa.String(200)),
    sa.Column("bot_token_expires_at", sa.DateTime),
    sa.Column("is_enterprise_install", sa.Boolean, default=False, nullable=False),
    _installed_at(),
    sa.Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

# slack_sdk.oauth.state_store.sqlalchemy.AsyncSQLAlchemyOAuthStateStore.build_oauth_states_table
slack_oauth_states = sa.Table(
    "slack_oauth_states",
    SQLModel.metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("state", sa.String(200), nullable=False),
    sa.Column("expire_at", sa.DateTime, nullable=False),
)


class TokenLease(Table, table=True):
    """One replica refreshes an installation's token at a time: it holds ``key`` until ``until``."""

    key: str = Field(primary_key=True, max_length=200)
    holder: str = Field(max_length=64)
    until: dt.datetime


class SlackTeam(Table, table=True):
    """A workspace of an Enterprise Grid org, as its requests showed it (``enterprise_id``).

    A workspace installed on its own is found in ``slack_installations`` by its team id;
    one covered by an org-wide install is stored there under the org only.
    """

    team_id: str = Field(primary_key=True, max_length=32)
    enterprise_id: str = Field(max_length=32)
    is_enterprise_install: bool = False
