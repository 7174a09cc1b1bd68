"""Exactly once for inbound deliveries: one claim, taken in the handler's own transaction.

Every command, click, form submission and message event is claimed under
:func:`bot.events.delivery_key` (``<kind>:<platform delivery id>``) in the
``Delivery`` table, unique per space. The claim is not a transaction of its own:
the handler's first ``ctx.db.unit()`` records it, so the claim commits with the
handler's writes and rolls back with their failure. Work shared between concurrent
calls (a Vote click, ``ctx.db.shared``) records it in the batch's transaction, with
one statement for the batch's claims. A handler that sends before it writes (help,
a refusal) gets the claim committed first, on its own, so a re-delivery never
speaks twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import ChannelRef, MemberRef, MessageRef, SpaceRef
from bot.ports import ChatPort
from bot.render import OutboundMessage
from bot.store.engine import Database
from bot.store.shared import Shared
from bot.store.tenants import claim_delivery, ensure_space, release_delivery
from bot.store.tickets import Redelivered, Ticket

I = TypeVar("I")  # noqa: E741
O = TypeVar("O")  # noqa: E741


class AlreadyHandled(Exception):
    """This delivery was claimed before (a platform retry, or another replica got it first)."""


class Claim:
    """One inbound delivery's claim: pending, then taken (committed) at most once.

    ``known`` is the space's row id when the router has seen it committed before
    (spaces are never renumbered); otherwise the claim creates the row in its own
    transaction and hands the id to ``remember`` once that commits.
    """

    def __init__(
        self,
        db: Database,
        key: str | None,
        space: SpaceRef,
        at: dt.datetime,
        *,
        known: int | None = None,
        remember: Callable[[int], None] = lambda _: None,
    ) -> None:
        self.db, self.key, self.space_ref, self.at = db, key, space, at
        self.known, self.remember = known, remember
        self.taken = key is None  # nothing to claim (an edit without a platform id)
        # Being recorded inside a unit that is still open: a send from inside that unit
        # must not take it again (it would wait on its own row's lock).
        self.held = False
        self.space: int | None = None

    async def take_in(self, session: AsyncSession) -> None:
        """Record the claim in ``session``'s transaction; raises AlreadyHandled for a re-delivery."""
        if self.known is None:
            row = await ensure_space(session, ref=self.space_ref)
            assert row.id is not None
            self.space = row.id
        else:
            self.space = self.known
        assert self.key is not None
        if not await claim_delivery(session, space_id=self.space, key=self.key, at=self.at):
            raise AlreadyHandled(self.key)

    async def settle(self) -> None:
        """Take the claim now, in a transaction of its own, unless it already is."""
        if not self.taken and not self.held:
            async with self.db.unit() as session:
                await self.take_in(session)
            self.committed()

    def committed(self) -> None:
        """The transaction that recorded the claim has committed."""
        self.taken = True
        if self.known is None and self.space is not None:
            self.known = self.space
            self.remember(self.space)

    async def release(self) -> None:
        """Give a committed claim back, so the platform's retry (or the member) can try again."""
        if self.taken and self.space is not None and self.key is not None:
            async with self.db.unit() as session:
                await release_delivery(session, space_id=self.space, key=self.key)
            self.taken = False


class ClaimingDatabase(Database):
    """The database as a claimed turn sees it: its first ``unit()`` also records the claim."""

    def __init__(self, db: Database, claim: Claim) -> None:
        # The same engine and session factory as ``db`` (no second pool): only unit() differs.
        self.__dict__.update(vars(db))
        self.claim = claim

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[AsyncSession]:
        claim = self.claim
        if claim.taken or claim.held:
            async with super().unit() as session:
                yield session
            return
        claim.held = True
        try:
            async with super().unit() as session:
                await claim.take_in(session)
                yield session
            claim.committed()
        finally:
            claim.held = False

    async def shared(self, work: Shared[I, O], item: I, *, ticket: Ticket | None = None) -> O:
        """Shared work (a Vote click) records the claim in the batch's transaction, as unit() would."""
        claim = self.claim
        if claim.taken or claim.held or ticket is not None:
            return await super().shared(work, item, ticket=ticket)
        assert claim.key is not None
        own = Ticket(claim.space_ref, claim.known, claim.key, claim.at)
        claim.held = True
        try:
            try:
                result = await super().shared(work, item, ticket=own)
            except Redelivered:
                claim.space = own.space_id
                raise AlreadyHandled(claim.key) from None
            claim.space = own.space_id
            claim.committed()
            return result
        finally:
            claim.held = False


class ClaimingPort:
    """``port`` for a claimed turn: anything it sends waits until the claim is taken.

    Reads a platform offers beyond :class:`ChatPort` (``channels_of``, ``find_posted``)
    pass straight through.
    """

    def __init__(self, port: ChatPort, claim: Claim) -> None:
        self._port, self._claim = port, claim

    def __getattr__(self, name: str) -> Any:
        return getattr(self._port, name)

    async def post(self, channel: ChannelRef, message: OutboundMessage) -> MessageRef:
        await self._claim.settle()
        return await self._port.post(channel, message)

    async def reply_in_thread(self, parent: MessageRef, message: OutboundMessage) -> MessageRef:
        await self._claim.settle()
        return await self._port.reply_in_thread(parent, message)

    async def whisper(self, channel: ChannelRef, member: MemberRef, message: OutboundMessage) -> None:
        await self._claim.settle()
        await self._port.whisper(channel, member, message)

    async def edit(self, ref: MessageRef, message: OutboundMessage) -> None:
        await self._claim.settle()
        await self._port.edit(ref, message)

    async def open_thread(self, parent: MessageRef, name: str) -> MessageRef:
        await self._claim.settle()
        return await self._port.open_thread(parent, name)

    async def direct(self, member: MemberRef, message: OutboundMessage) -> MessageRef:
        await self._claim.settle()
        return await self._port.direct(member, message)

    async def send_file(
        self, member: MemberRef, filename: str, content: bytes, summary: OutboundMessage
    ) -> None:
        await self._claim.settle()
        await self._port.send_file(member, filename, content, summary)

    async def post_file(
        self, channel: ChannelRef, filename: str, content: bytes, message: OutboundMessage
    ) -> MessageRef:
        await self._claim.settle()
        return await self._port.post_file(channel, filename, content, message)

    async def ensure_in_channel(self, channel: ChannelRef) -> None:
        await self._claim.settle()
        await self._port.ensure_in_channel(channel)


__all__: Sequence[str] = ("AlreadyHandled", "Claim", "ClaimingDatabase", "ClaimingPort")
