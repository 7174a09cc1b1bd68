"""``/prep organizers add|remove|list [@member]``: who may run this channel's prep.

Admins (the router checks) name organizers per channel; organizers may then
``schedule``, ``prompt``, ``reveal`` and run pairing there (see
``bot.services.permissions``). Names are shown as plain text, never as
mentions, so listing organizers notifies nobody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain import mentioned_id
from bot.feature import Feature
from bot.services.context import UserError
from bot.store import organizers as store
from bot.store.models import Member
from bot.store.tenants import ensure_channel, ensure_member

if TYPE_CHECKING:
    from bot.turn import Turn

USAGE = "Usage: `/prep organizers add @member`, `/prep organizers remove @member` or `/prep organizers list`."


def name_of(member: Member) -> str:
    return member.display_name or member.external_id


async def command(turn: Turn, args: tuple[str, ...]) -> None:
    """Add, remove or list the channel's organizers (admins only, checked by the router)."""
    action = args[0].casefold() if args else "list"
    if action == "list":
        if len(args) > 1:
            raise UserError(f"`/prep organizers list` takes nothing after `list`. {USAGE}")
        await _list(turn)
        return
    if action not in ("add", "remove"):
        raise UserError(f"I don't know `organizers {args[0]}`. {USAGE}")
    if len(args) != 2 or mentioned_id(args[1]) is None:
        raise UserError(f"Name one member with @, like `/prep organizers {action} @alex`. {USAGE}")
    target = turn.mentioned(mentioned_id(args[1]) or "")
    where = _channel_label(turn)
    async with turn.ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=turn.channel)
        member = await ensure_member(session, ref=target)
        assert channel.id is not None and member.id is not None
        if action == "add":
            admin = await ensure_member(session, ref=turn.member)
            assert admin.id is not None
            changed = await store.add(
                session,
                space_id=channel.space_id,
                channel_id=channel.id,
                member_id=member.id,
                added_by=admin.id,
            )
        else:
            changed = await store.remove(session, channel_id=channel.id, member_id=member.id)
        name = name_of(member)
    if action == "add":
        state = "is now" if changed else "was already"
        await turn.whisper(
            f"{name} {state} an organizer of {where}: they may run `/prep schedule`, `prompt`, "
            "`reveal` and `pair now|day|off` here."
        )
    elif changed:
        await turn.whisper(f"{name} is no longer an organizer of {where}.")
    else:
        await turn.whisper(f"{name} was not an organizer of {where}; nothing changed.")


async def _list(turn: Turn) -> None:
    async with turn.ctx.db.unit() as session:
        channel = await ensure_channel(session, ref=turn.channel)
        assert channel.id is not None
        found = await store.of_channel(session, channel_id=channel.id)
    where = _channel_label(turn)
    if not found:
        await turn.whisper(
            f"{where[0].upper()}{where[1:]} has no organizers yet; only admins run its prep. "
            "Add one with `/prep organizers add @member`."
        )
        return
    names = ", ".join(name_of(m) for m in found)
    await turn.whisper(f"Organizers of {where}: {names}. Admins may also run its prep.")


def _channel_label(turn: Turn) -> str:
    name = turn.channel.name
    return f"#{name}" if name else "this channel"


FEATURE = Feature("organizers", commands={"organizers": command})
