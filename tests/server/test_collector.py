"""When `aioserve serve` runs a full garbage collection: after the reaper, once as
many sessions have ended as are still alive (docs/choices.md)."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest
from aiohttp import web

from aioserve.client import ClientSession
from aioserve.document import Document
from aioserve.models import Div
from aioserve.server import collector
from aioserve.testing import start_server


class Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def tuned(monkeypatch: pytest.MonkeyPatch) -> None:
    """The policy as `run()` leaves it, without touching this process's thresholds."""
    monkeypatch.setattr(collector._policy, "tuned", True)
    monkeypatch.setattr(collector._policy, "ended", 0)
    monkeypatch.setattr(collector._policy, "last_ms", 0.0)
    monkeypatch.setattr(collector._policy, "last_end", 0.0)
    monkeypatch.setattr(collector._policy, "base_blocks", collector.sys.getallocatedblocks())
    monkeypatch.setattr(collector._policy, "ns_per_block", collector.NS_PER_BLOCK)
    monkeypatch.setattr(collector._policy, "deferred", 0)


def test_a_full_pass_once_as_many_ended_as_are_alive(tuned: None) -> None:
    gc.disable()
    try:
        garbage = Cycle()
        ref = weakref.ref(garbage)
        del garbage
        assert collector.sessions_ended(150, live=5) is None  # fewer than MIN_ENDED yet
        assert ref() is not None
        took = collector.sessions_ended(50, live=5)
        assert took is not None and took >= 0
        assert ref() is None
        collector._policy.last_ms = 0.0  # (the time share is another test's)
        # With 20,000 sessions alive, 5,000 ended are not enough for a pass over them all.
        assert collector.sessions_ended(5_000, live=20_000) is None
        assert collector.sessions_ended(15_000, live=20_000) is not None
    finally:
        gc.enable()


def test_full_passes_take_a_bounded_share_of_the_time(tuned: None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # A pass that took 100 ms: none again for 50 x 100 ms, however many sessions end.
    monkeypatch.setattr(collector._policy, "last_ms", 100.0)
    monkeypatch.setattr(collector._policy, "last_end", collector.time.monotonic())
    assert collector.sessions_ended(10_000, live=0) is None
    monkeypatch.setattr(collector._policy, "last_end", collector.time.monotonic() - 5.1)
    assert collector.sessions_ended(0, live=0) is not None  # the ended ones were kept


def test_a_pass_too_costly_for_one_stall_waits(tuned: None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # Many heavy sessions still alive: a pass estimated over BUDGET_MS waits until FORCE
    # times as many have ended, and then runs all the same (the garbage stays bounded).
    gc.disable()
    try:
        garbage = Cycle()
        ref = weakref.ref(garbage)
        del garbage
        monkeypatch.setattr(collector._policy, "base_blocks",
                            collector.sys.getallocatedblocks() - 1_000_000)
        monkeypatch.setattr(collector._policy, "ns_per_block", 250.0)  # est. 250 ms
        assert collector.estimated_ms() > collector.BUDGET_MS
        assert collector.sessions_ended(700, live=300) is None
        assert collector._policy.deferred == 1 and ref() is not None
        assert collector.sessions_ended(400, live=300) is None  # 1,100 < 4 x 300
        assert collector._policy.deferred == 2 and ref() is not None
        assert collector.sessions_ended(200, live=300) is not None  # 1,300: forced
        assert ref() is None and collector._policy.ended == 0
        # The pass measured its own cost per block: a cheap heap is collected at once.
        monkeypatch.setattr(collector._policy, "last_ms", 0.0)
        monkeypatch.setattr(collector._policy, "ns_per_block", 1.0)  # est. ~1 ms
        assert collector.sessions_ended(300, live=300) is not None
        # With few alive, waiting would only add garbage: it runs whatever the estimate.
        monkeypatch.setattr(collector._policy, "last_ms", 0.0)
        monkeypatch.setattr(collector._policy, "ns_per_block", 250.0)
        assert collector.sessions_ended(200, live=10) is not None
    finally:
        gc.enable()


def test_nothing_happens_in_a_process_aioserve_does_not_own() -> None:
    # create_app / serve inside another program: run() never called tune().
    assert not collector._policy.tuned
    assert collector.sessions_ended(1_000_000, live=0) is None
    collector.freeze_startup()
    assert gc.get_freeze_count() == 0


async def test_a_closed_websocket_is_freed_without_the_cycle_collector() -> None:
    # aiohttp keeps the response's heartbeat callback on the connection's protocol: a
    # cycle through the request and the response unless the server drops it.
    def app(doc: Document) -> None:
        doc.add_root(Div(text="hi"))

    gc.collect()
    # Only this test's websockets count: an earlier test in the same process may still
    # hold one of its own (a logged exception's traceback, say).
    before = {id(o) for o in gc.get_objects() if isinstance(o, web.WebSocketResponse)}
    gc.disable()
    try:
        async with start_server({"/hi": app}, keep_alive_ms=30_000) as server:
            for _ in range(3):
                async with ClientSession.open(server.url + "/hi") as session:
                    assert session.document.find(type="Div").props["text"] == "hi"
            await asyncio.sleep(0.2)  # the handlers' `finally` ran
            left = [o for o in gc.get_objects()
                    if isinstance(o, web.WebSocketResponse) and id(o) not in before]
            assert left == []
    finally:
        gc.enable()
