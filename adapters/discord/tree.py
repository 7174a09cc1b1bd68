"""The ``/prep`` command tree, guarded against interaction data it cannot read.

discord.py's ``CommandTree`` trusts ``interaction.data``: an option without a
name, a value of the wrong type or an unknown sub-command raises inside its
invoker task (a KeyError there is never even logged as handled), and the
member sees "The application did not respond". Discord validates what it
sends, but commands registered by an older version, a stale client or a proxy
can still deliver such data. :class:`PrepTree` checks the shape first
(:func:`malformed`), and answers every failure privately with what to do, logged
as one WARNING line without the member's words.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger(__name__)

UNREADABLE = "prepbot could not read that command. Run `/prep help` to see the commands and try again."
# Option types (Discord's ApplicationCommandOptionType) and the JSON values they carry.
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
VALUE_TYPES: dict[int, tuple[type, ...]] = {
    3: (str,),  # string
    4: (int,),  # integer
    5: (bool,),  # boolean
    6: (str, int),  # user (a snowflake)
    7: (str, int),  # channel
    8: (str, int),  # role
    9: (str, int),  # mentionable
    10: (int, float),  # number
    11: (str, int),  # attachment
}
MAX_OPTIONS = 50  # far above what /prep has; bounds the walk over untrusted data


def _snowflake(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.isdigit()
    )


def _option_problem(option: Any, typed: bool) -> str | None:
    if not isinstance(option, dict) or not isinstance(option.get("name"), str):
        return "an option without a name"
    kind = option.get("type")
    if not isinstance(kind, int) or isinstance(kind, bool) or (kind not in VALUE_TYPES and kind > 2):
        return f"option {option['name'][:30]!r} of unknown type"
    if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
        return None if isinstance(option.get("options", []), list) else "sub-command options"
    value = option.get("value")
    if typed and option.get("focused"):
        return None if isinstance(value, str | int | float) else "focused value"
    allowed = VALUE_TYPES[kind]
    wrong = not isinstance(value, allowed) or (bool not in allowed and isinstance(value, bool))
    if wrong or (kind in (6, 7, 8, 9, 11) and not _snowflake(value)):
        return f"option {option['name'][:30]!r} with a value of the wrong type"
    return None


def malformed(data: Any, *, autocomplete: bool = False) -> str | None:
    """What is wrong with a slash command's ``data`` that discord.py would trip on, or None."""
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return "no command name"
    if not isinstance(data.get("type", 1), int) or isinstance(data.get("type", 1), bool):
        return "command type"
    if "guild_id" in data and data["guild_id"] is not None and not _snowflake(data["guild_id"]):
        return "guild id"
    if not isinstance(data.get("resolved", {}), dict):
        return "resolved data"
    pending: list[Any] = [data.get("options", [])]
    seen = 0
    while pending:
        options = pending.pop()
        if not isinstance(options, list):
            return "options"
        for option in options:
            seen += 1
            if seen > MAX_OPTIONS:
                return "too many options"
            problem = _option_problem(option, autocomplete)
            if problem is not None:
                return problem
            if option["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP):
                pending.append(option.get("options", []))
    return None


async def tell(interaction: discord.Interaction[Any], text: str) -> None:
    """Answer the member privately however the interaction still allows; never raise."""
    try:
        if interaction.type is discord.InteractionType.autocomplete:
            if not interaction.response.is_done():
                await interaction.response.autocomplete([])
        elif interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException as exc:
        log.info("could not answer interaction %s (%s %s)", interaction.id, exc.status, exc.code)


def _where(interaction: discord.Interaction[Any]) -> str:
    return f"guild={interaction.guild_id or '-'} channel={interaction.channel_id or '-'}"


class PrepTree(app_commands.CommandTree):  # type: ignore[type-arg]
    """A CommandTree that refuses unreadable data and answers every failure privately."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        autocomplete = interaction.type is discord.InteractionType.autocomplete
        problem = malformed(interaction.data, autocomplete=autocomplete)
        if problem is None and autocomplete and not self._completes(interaction.data):
            problem = "autocomplete for an option without suggestions"
        if problem is None:
            return True
        log.warning(
            "Discord sent a /prep interaction prepbot cannot read (%s, %s)", problem, _where(interaction)
        )
        await tell(interaction, UNREADABLE)
        return False

    def _completes(self, data: Any) -> bool:
        """Whether the focused option of an autocomplete request is one that offers suggestions."""
        command: Any = self.get_command(data["name"])
        options: list[dict[str, Any]] = data.get("options", [])
        while command is not None and options and options[0]["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP):
            command = command.get_command(options[0]["name"]) if hasattr(command, "get_command") else None
            options = options[0].get("options", [])
        focused = next((o["name"] for o in options if o.get("focused")), None)
        parameters = getattr(command, "parameters", [])
        return any(p.name == focused and p.autocomplete for p in parameters)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /
    ) -> None:
        if isinstance(error, app_commands.CommandNotFound):
            text = f"I don't know `/prep {error.name}`. Run `/prep help` for the list."
        else:
            text = UNREADABLE
        log.warning(
            "a /prep interaction failed in discord.py (%s, %s)", type(error).__name__, _where(interaction)
        )
        await tell(interaction, text)
