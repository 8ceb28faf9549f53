"""The sessions of one application: created once, found by id, reaped when unused."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

from aioserve.engines.base import EngineSession

log = logging.getLogger("aioserve.server")

SessionFactory = Callable[[], Awaitable[EngineSession]]


class SessionRegistry:
    """Creating one id twice at once runs the factory once; every waiter shares
    its result or its error, and a failed creation leaves nothing behind."""

    def __init__(self, app_path: str) -> None:
        self.app_path = app_path
        self._sessions: dict[str, EngineSession] = {}
        self._creating: dict[str, asyncio.Future[EngineSession]] = {}
        self.created_total = 0
        self.destroyed_total = 0
        self.ended_callback_errors = 0  # callback errors of sessions no longer here

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str) -> EngineSession | None:
        return self._sessions.get(session_id)

    @property
    def sessions(self) -> list[EngineSession]:
        return list(self._sessions.values())

    def unused_count(self) -> int:
        return sum(1 for s in self._sessions.values() if not s.connections)

    async def get_or_create(self, session_id: str, create: SessionFactory) -> EngineSession:
        session = self._sessions.get(session_id)
        if session is not None:
            return session
        pending = self._creating.get(session_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[EngineSession] = asyncio.get_running_loop().create_future()
        self._creating[session_id] = future
        try:
            session = await create()
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here, so an error with no other waiter is not "lost"
            raise
        else:
            self._sessions[session_id] = session
            self.created_total += 1
            future.set_result(session)
            return session
        finally:
            del self._creating[session_id]

    async def reap(self, now: float, unused_lifetime_ms: float) -> int:
        """Destroy sessions without connections for longer than the lifetime.

        Yields to the event loop between sessions, so a big sweep never stalls
        the server.
        """
        doomed = deque(s for s in self._sessions.values() if s.idle_ms(now) > unused_lifetime_ms)
        if doomed:
            log.debug("Scheduling %d sessions to discard", len(doomed))
        count = 0
        while doomed:
            # Taken off the list: each session is freed as the next one is taken, not
            # all at once when the sweep returns (10,000 sessions: an 80 ms stall).
            session = doomed.popleft()
            # Re-check: a client may have connected while we were yielding.
            if session.idle_ms(time.monotonic()) > unused_lifetime_ms:
                log.debug("Discarding session %r last in use %r milliseconds ago", session.id,
                          session.idle_ms(time.monotonic()))
                await self.discard(session)
                count += 1
            await asyncio.sleep(0)
        return count

    async def discard(self, session: EngineSession) -> None:
        if self._sessions.get(session.id) is session:
            del self._sessions[session.id]
            self.destroyed_total += 1
            self.ended_callback_errors += session.callback_errors
        await session.destroy()

    async def destroy_all(self, *, building_timeout: float = 10) -> None:
        """Destroy every session; first wait (bounded) for those still being built,
        so none outlives a drain that started while its page was loading."""
        pending = [asyncio.shield(f) for f in self._creating.values()]
        if pending:
            await asyncio.wait(pending, timeout=building_timeout)
        for session in list(self._sessions.values()):
            await self.discard(session)
