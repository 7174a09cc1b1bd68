"""Gateway events the fake sends on a test's behalf, built from the JSON fixtures."""

from __future__ import annotations

from typing import Any

from tests.support.discord_payloads import command_options, fixture, now_iso, resolved, snowflake, text_inputs
from tests.support.fake_discord_rest import Interaction


class DiscordEvents:
    """INTERACTION_CREATE and MESSAGE_* payloads for members of the fake guild."""

    # Declared here, set by FakeDiscord.__init__.
    app_id: str
    guild_id: str
    general: str
    moderator_role: str
    people: dict[str, Any]
    channels: dict[str, dict[str, Any]]
    interactions: dict[str, Interaction]
    commands: list[dict[str, Any]]
    guild_commands: dict[str, list[dict[str, Any]]]

    def _interaction(self, kind: str, name: str, channel_id: str | None, **values: Any) -> dict[str, Any]:
        channel_id = channel_id or self.general
        person = self.people[name]
        payload = fixture(
            kind,
            interaction_id=snowflake(),
            application_id=self.app_id,
            token=f"itoken-{snowflake()}",
            guild_id=self.guild_id,
            channel_id=channel_id,
            channel=self.channels[channel_id],
            member=person.member(self.moderator_role),
            **values,
        )
        self.interactions[payload["id"]] = Interaction(payload)
        return payload

    def command(
        self, name: str, sub: str, channel_id: str | None = None, *, guild_copy: bool = False, **options: Any
    ) -> dict[str, Any]:
        """INTERACTION_CREATE for ``/prep <sub> option:value…`` typed by ``name``.

        A member option takes a ``Person`` (type 6, with ``data.resolved`` as Discord
        sends it). ``guild_copy``: the member picked the guild's own copy of ``/prep``,
        so ``data`` carries ``guild_id``, as Discord does only for guild commands.
        """
        payload = self._interaction(
            "interaction_command",
            name,
            channel_id,
            command_id=self._command_id(guild_copy),
            options=command_options(sub, options),
        )
        self._complete(payload, options, guild_copy)
        return payload

    def autocomplete(self, name: str, sub: str, focused: str, **options: Any) -> dict[str, Any]:
        payload = self._interaction(
            "interaction_autocomplete",
            name,
            None,
            command_id=self._command_id(False),
            options=command_options(sub, options, focused=focused),
        )
        self._complete(payload, {}, False)
        return payload

    def _complete(self, payload: dict[str, Any], options: dict[str, Any], guild_copy: bool) -> None:
        data = payload["data"]
        if guild_copy:
            data["guild_id"] = self.guild_id
        found = resolved(options, self.moderator_role)
        if found:
            data["resolved"] = found

    def click(self, name: str, message: dict[str, Any], custom_id: str) -> dict[str, Any]:
        """INTERACTION_CREATE for ``name`` pressing the button ``custom_id`` on ``message``."""
        return self._interaction(
            "interaction_component",
            name,
            message["channel_id"],
            message=message,
            custom_id=custom_id,
            component_type=2,
            values=[],
        )

    def submit(self, name: str, message: dict[str, Any], modal: dict[str, Any], value: str) -> dict[str, Any]:
        """INTERACTION_CREATE for ``name`` submitting ``modal`` (a type-9 callback's data)."""
        return self._interaction(
            "interaction_modal_submit",
            name,
            message["channel_id"],
            message=message,
            custom_id=modal["custom_id"],
            field_id=text_inputs(modal)[0]["custom_id"],
            value=value,
        )

    def member_message(self, name: str, channel_id: str, content: str) -> dict[str, Any]:
        """MESSAGE_CREATE for ``name`` writing ``content`` in a channel or a thread."""
        person = self.people[name]
        return fixture(
            "message_create",
            message_id=snowflake(),
            channel_id=channel_id,
            guild_id=self.guild_id,
            user=person.user(),
            partial_member=person.partial_member(self.moderator_role),
            content=content,
            timestamp=now_iso(),
            nonce=snowflake(),
        )

    def edited(self, message: dict[str, Any], content: str) -> dict[str, Any]:
        name = next(n for n, p in self.people.items() if p.id == message["author"]["id"])
        person = self.people[name]
        return fixture(
            "message_update",
            message_id=message["id"],
            channel_id=message["channel_id"],
            guild_id=self.guild_id,
            user=person.user(),
            partial_member=person.partial_member(self.moderator_role),
            content=content,
            timestamp=message["timestamp"],
            edited_timestamp=now_iso(),
        )

    def deleted_event(self, message: dict[str, Any]) -> dict[str, Any]:
        return fixture(
            "message_delete",
            message_id=message["id"],
            channel_id=message["channel_id"],
            guild_id=self.guild_id,
        )

    def _command_id(self, guild_copy: bool) -> str:
        """The registered /prep's id: the guild's copy or the global command (any id when neither)."""
        held = self.guild_commands.get(self.guild_id, []) if guild_copy else self.commands
        if guild_copy and not held:
            raise AssertionError("no guild copy of /prep is registered on the fake guild")
        return next((c["id"] for c in held if c["name"] == "prep"), None) or snowflake()
