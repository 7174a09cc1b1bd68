"""Group commit: concurrent calls of one kind of work share one transaction and a few statements.

A click that writes a handful of rows pays mostly for round trips and the commit,
not for its rows. :meth:`bot.store.engine.Database.shared` queues each call; one
drain task per busy spell takes everything queued into a batch and runs the work's
set-based ``run`` in one transaction, which records each call's delivery claim
(:class:`Ticket`) first, then answers each caller with its own outcome. Under no load a
batch is one call, in its own transaction, as before.

What stays per call: its claim (a re-delivery gets :class:`Redelivered`, alone),
its checks and its outcome. Calls that would touch the same thing (the same
``conflict`` key, the same delivery) never share a batch: they go in arrival
order, one batch after the other. A batch that fails is retried call by call, so
one bad call fails alone. Exactly-once across processes still rests on the
unique keys each statement writes against.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.claims import ClaimRow
from bot.store.tickets import Later, Redelivered, Ticket, claim_rows, known_claim

log = logging.getLogger(__name__)

I = TypeVar("I")  # noqa: E741 - an item of work
O = TypeVar("O")  # noqa: E741 - its outcome


# The work as one statement that is its own transaction (see Shared.alone).
Alone = Callable[
    [AsyncSession, Sequence[I], Sequence[ClaimRow | None]], Awaitable[Sequence[O | None | Later]]
]


@dataclass(frozen=True)
class Shared(Generic[I, O]):
    """Work many concurrent callers can share a transaction for (a Vote click).

    ``run`` does a batch of items in the session's transaction and answers each, in
    order. It records each item's delivery claim (None: the item came without one)
    in that transaction before doing anything else for it, and answers None for an
    item whose delivery was claimed before: recording them itself lets it fold the
    claims into its first statement where the database allows (PostgreSQL), one
    round trip less (``bot.store.claims.record_claims`` records them alone).
    ``conflict`` names what an item must not share a batch over (the voter).

    ``alone``, where the database runs it (PostgreSQL): the same work as one statement
    that is its own transaction (no BEGIN, no COMMIT: one round trip), tried first on
    the items whose space's row id is known; it answers each item as ``run`` would,
    or :data:`LATER` for one it left unwritten and unclaimed, which ``run`` then does.
    """

    name: str
    run: Callable[[AsyncSession, Sequence[I], Sequence[ClaimRow | None]], Awaitable[Sequence[O | None]]]
    conflict: Callable[[I], Hashable]
    limit: int = 32
    lanes: int = 2  # batches written at once, where the database takes concurrent writers
    alone: Alone[I, O] | None = None


@dataclass(eq=False)
class _Call(Generic[I, O]):
    item: I
    ticket: Ticket | None
    done: asyncio.Future[O] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


Unit = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class Group(Generic[I, O]):
    """The queue of one database's calls of one :class:`Shared` work, and its drain tasks.

    Up to ``lanes`` batches are written at once (each on its own connection), so the
    round trips of one overlap the work of the next; SQLite takes one at a time.
    """

    def __init__(
        self, work: Shared[I, O], unit: Unit, held: Unit, *, lanes: int = 1, alone: bool = False
    ) -> None:
        self.work, self.unit, self.held, self.lanes = work, unit, held, lanes
        self.alone = work.alone if alone else None  # the database runs the work's statement alone
        self._queue: deque[_Call[I, O]] = deque()
        self._drains: set[asyncio.Task[None]] = set()
        self._writing = 0  # batches being written now
        self._looking = 0  # lanes about to take a batch (started, or back from writing one)
        self._busy: set[Hashable] = set()  # the conflict keys of the batches being written

    async def submit(self, item: I, ticket: Ticket | None) -> O:
        call: _Call[I, O] = _Call(item, ticket)
        self._queue.append(call)
        if not self._looking and self._ready():
            self._open_lane()
        return await call.done

    def _ready(self) -> bool:
        """Some queued call is free to go now. One held back by a batch being written
        waits for that batch's lane, which comes back for it: another lane would find
        nothing to take, give up, and (seeing the call still queued) start the next."""
        return any(not self._keys(call) & self._busy for call in self._queue)

    def _keys(self, call: _Call[I, O]) -> set[Hashable]:
        keys: set[Hashable] = {("item", self.work.conflict(call.item))}
        if call.ticket is not None:
            keys.add(("delivery", call.ticket.space.platform, call.ticket.space.id, call.ticket.key))
        return keys

    async def close(self) -> None:
        """Wait for the lanes at work to finish (they give their connections back)."""
        while self._drains:
            await asyncio.gather(*self._drains, return_exceptions=True)

    def _open_lane(self) -> None:
        if len(self._drains) < self.lanes:
            self._looking += 1
            self._drains.add(asyncio.get_running_loop().create_task(self._drain()))

    async def _drain(self) -> None:
        try:
            await self._drain_queue()
        except BaseException as exc:
            # Never leave a caller waiting on a lane that died (cancelled at shutdown).
            while self._queue:
                call = self._queue.popleft()
                if isinstance(exc, Exception):
                    _fail(call, exc)
                elif not call.done.done():
                    call.done.cancel()
            raise
        finally:
            # At once, not in a done callback; and a call queued while this lane was giving
            # its connection back found it still counted: start another for it.
            self._drains.discard(asyncio.current_task())  # type: ignore[arg-type]
            if self._queue and not self._looking and self._ready():
                self._open_lane()

    async def _drain_queue(self) -> None:
        looking = True  # counted in self._looking
        try:
            while True:
                # One connection for the lane's busy spell: no pool checkout (and ping) per batch.
                async with self.held() as session:
                    while True:
                        if not looking:
                            self._looking, looking = self._looking + 1, True
                        # Let calls already on their way (woken by the last batch) join this one.
                        await asyncio.sleep(0)
                        # All that waits (up to the limit): a batch costs its round trips
                        # whatever its size, so splitting what one lane can take only adds
                        # them. Another lane takes what arrives while this one writes.
                        batch, keys = self._take(self.work.limit)
                        self._looking, looking = self._looking - 1, False
                        if not batch:
                            return  # the rest waits on batches being written; their lanes go on
                        self._writing += 1
                        self._busy |= keys
                        if self._queue and not self._looking and self._ready():
                            self._open_lane()  # a burst beyond the limit: another lane takes the rest
                        try:
                            if not await self._commit(batch, session):
                                break  # a fresh connection for what follows
                        finally:
                            self._writing -= 1
                            self._busy -= keys
        finally:
            if looking:
                self._looking -= 1

    def _take(self, size: int) -> tuple[list[_Call[I, O]], set[Hashable]]:
        """The next batch: queued calls in order, leaving for later any that conflict with one taken."""
        batch: list[_Call[I, O]] = []
        seen: set[Hashable] = set()
        later: list[_Call[I, O]] = []
        while self._queue and len(batch) < size:
            call = self._queue.popleft()
            keys = self._keys(call)
            if keys & (seen | self._busy):
                later.append(call)
                continue
            seen |= keys
            batch.append(call)
        self._queue.extendleft(reversed(later))
        return batch, seen

    async def _commit(self, batch: list[_Call[I, O]], session: AsyncSession) -> bool:
        """Write ``batch`` and answer its calls; False when it failed (each was retried alone)."""
        try:
            healthy = True  # False: the one statement failed past the database's refusal
            if self.alone is not None:
                batch, healthy = await self._alone(self.alone, batch, session)
                if not batch:
                    return healthy
            try:
                async with session.begin():
                    results = await self._once(session, batch)
                self._answer(batch, results)
                return healthy
            except Exception as exc:
                if len(batch) == 1:
                    _fail(batch[0], exc)
                    return False
                log.warning(
                    "a batch of %d %s calls failed (%s); each is retried alone",
                    len(batch),
                    self.work.name,
                    type(exc).__name__,
                )
            for call in batch:
                try:
                    async with self.unit() as alone:
                        results = await self._once(alone, [call])
                    self._answer([call], results)
                except Exception as exc:  # noqa: BLE001 - it fails alone, the others went on
                    _fail(call, exc)
            return False
        except BaseException:
            for call in batch:
                if not call.done.done():
                    call.done.cancel()
            raise

    async def _alone(
        self, alone: Alone[I, O], batch: list[_Call[I, O]], session: AsyncSession
    ) -> tuple[list[_Call[I, O]], bool]:
        """Settle what the work's one statement can; the calls left for a transaction, and
        whether the lane's connection may serve on (False after a failure the database did
        not answer as a refusal: the lane takes a fresh one).

        The statement is all or nothing. When the database refused it (a deadlock, a
        constraint), nothing was written and every call goes the long way. Any other
        failure (the connection lost, an error past the statement) may come after it
        committed: a call with a claim goes the long way all the same, where its claim
        tells (re-delivered when it was written); one without fails, as after a failed
        commit, since running it again could do it twice.
        """
        known = [c for c in batch if c.ticket is None or c.ticket.space_id is not None]
        if not known:
            return batch, True
        claims = [known_claim(call.ticket) for call in known]
        try:
            outcomes = await alone(session, [call.item for call in known], claims)
        except Exception as exc:  # noqa: BLE001 - what it may have written decides (above)
            refused = isinstance(exc, DBAPIError) and not exc.connection_invalidated
            log.info(
                "%s: the one-statement batch failed (%s); it goes the long way",
                self.work.name,
                type(exc).__name__ if refused else f"{type(exc).__name__}, perhaps after committing",
            )
            unclaimed = [] if refused else [call for call in known if call.ticket is None]
            for call in unclaimed:
                _fail(call, exc)
            return [c for c in batch if c not in unclaimed], refused
        left = [c for c in batch if c.ticket is not None and c.ticket.space_id is None]
        for call, outcome in zip(known, outcomes, strict=True):
            if isinstance(outcome, Later):
                left.append(call)
            elif not call.done.done():
                if outcome is None:
                    call.done.set_exception(Redelivered(call.ticket.key if call.ticket else ""))
                else:
                    call.done.set_result(outcome)
        return left, True

    async def _once(self, session: AsyncSession, batch: list[_Call[I, O]]) -> list[tuple[Any, int | None]]:
        """Run ``batch`` in the session's transaction: each call's outcome (or Redelivered), its space id."""
        claims = await claim_rows(session, [call.ticket for call in batch])
        outcomes = await self.work.run(session, [call.item for call in batch], [c for c, _ in claims])
        return [
            (outcome if outcome is not None else Redelivered(call.ticket.key if call.ticket else ""), space)
            for call, outcome, (_, space) in zip(batch, outcomes, claims, strict=True)
        ]

    @staticmethod
    def _answer(batch: list[_Call[I, O]], results: list[tuple[Any, int | None]]) -> None:
        for call, (outcome, space) in zip(batch, results, strict=True):
            if call.done.done():  # its caller gave up waiting; the work is done all the same
                continue
            if call.ticket is not None and space is not None:
                call.ticket.space_id = space
            if isinstance(outcome, Redelivered):
                call.done.set_exception(outcome)
            else:
                call.done.set_result(outcome)


def _fail(call: _Call[Any, Any], exc: Exception) -> None:
    if not call.done.done():
        call.done.set_exception(exc)
