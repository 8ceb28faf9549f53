"""When is a session settled? When nothing the app set in motion is still going.

The test and the server share one event loop, so this looks inside the server
session instead of guessing from the wire: its document has no unsent changes,
no callback is running, no next-tick (or soon-due timeout) callback waits, every
queued message was written, the client has answered state for every sequence
number and every reply, and all of that held for a short quiet period (work
that hops through several loop turns shows up in between).

Periodic callbacks are not waited for: they never end. Work an app starts on
its own (`asyncio.create_task`, threads) is invisible except through the patches
it causes, which the quiet period catches when they come soon enough.
"""

# Timeouts are arguments here, as in aiohttp's own client API.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio

from aioserve.client import ClientSession
from aioserve.sessions.session import ServerSession


class SettleTimeout(TimeoutError):
    """The session did not settle in time; the message says what was still going."""


def pending_work(server: ServerSession, client: ClientSession, horizon_s: float) -> list[str]:
    """What still keeps the session busy, in words; empty when nothing does."""
    reasons: list[str] = []
    if client.closed is not None:
        raise client.closed
    if client.pending_replies:
        reasons.append(f"{client.pending_replies} message(s) not answered yet")
    doc = server.document
    if doc.unsent_changes():
        reasons.append("document changes not sent yet" + (" (doc.hold() is active)"
                                                          if doc.held else ""))
    running = doc.running_callbacks()
    if running:
        reasons.append(f"{running} callback(s) still running")
    waiting = doc.callbacks_due(asyncio.get_running_loop().time() + horizon_s)
    if waiting:
        reasons.append(f"{waiting} next-tick/timeout callback(s) due")
    unsent = sum(1 for c in server.connections if c._outbox or c._writer is not None)
    if unsent:
        reasons.append(f"{unsent} connection(s) still writing")
    if client.seq < server.seq:
        reasons.append(f"client at seq {client.seq}, server at {server.seq}")
    return reasons


async def wait_settled(server: ServerSession, client: ClientSession, *, timeout: float,
                       quiet: float) -> None:
    """Return once `pending_work` has been empty, and nothing moved, for `quiet` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    calm_since: float | None = None
    marker: tuple[int, int, int] | None = None
    reasons: list[str] = []
    while True:
        reasons = pending_work(server, client, quiet)
        now = loop.time()
        current = (server.seq, client.seq, len(client.messages))
        if reasons or current != marker:
            marker = current
            calm_since = None if reasons else now
        elif calm_since is None:
            calm_since = now
        elif now - calm_since >= quiet:
            return
        if now >= deadline:
            what = "; ".join(reasons) or (
                f"patches kept coming (seq {server.seq}); a fast periodic callback? "
                "Try a smaller quiet=")
            raise SettleTimeout(f"session {server.id} did not settle within {timeout} s: {what}")
        await asyncio.sleep(min(0.005, quiet / 4))
