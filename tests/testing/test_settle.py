"""`settled()`: what it waits for, and what it does not."""

from __future__ import annotations

import asyncio
import time

import pytest

from aioserve.document.document import Document
from aioserve.models import Button, Column, Div
from aioserve.testing import SettleTimeout, open_session
from aioserve.testing.settle import pending_work


def app_with(on_click: object, *, periodic_ms: float | None = None):  # type: ignore[no-untyped-def]
    def app(doc: Document) -> None:
        out = Div(text="idle", name="out")
        button = Button(label="Go")
        button.on_click(lambda: on_click(doc, out))  # type: ignore[operator]
        if periodic_ms:
            doc.add_periodic_callback(lambda: setattr(out, "text", str(time.monotonic())),
                                      periodic_ms)
        doc.add_root(Column(button, out))

    return app


async def test_waits_for_a_timeout_callback_due_within_the_quiet_period() -> None:
    def click(doc: Document, out: Div) -> None:
        doc.add_timeout_callback(lambda: setattr(out, "text", "soon"), 10)

    async with open_session(app_with(click)) as s:
        await s.click(s.find(type="Button"))
        await s.settled(quiet=0.05)
        assert s.find(name="out").text == "soon"


async def test_does_not_wait_for_a_far_timeout_callback() -> None:
    def click(doc: Document, out: Div) -> None:
        doc.add_timeout_callback(lambda: setattr(out, "text", "late"), 30_000)

    async with open_session(app_with(click)) as s:
        await s.click(s.find(type="Button"))
        started = time.monotonic()
        await s.settled()
        assert time.monotonic() - started < 2
        assert s.find(name="out").text == "idle"


async def test_a_callback_that_never_ends_times_out_and_says_so() -> None:
    def click(doc: Document, out: Div) -> object:
        async def forever() -> None:
            await asyncio.sleep(3600)

        return forever()

    async with open_session(app_with(click)) as s:
        await s.click(s.find(type="Button"))
        with pytest.raises(SettleTimeout, match="1 callback.s. still running"):
            await s.settled(timeout=0.3)


async def test_periodic_callbacks_do_not_keep_it_busy() -> None:
    async with open_session(app_with(lambda doc, out: None, periodic_ms=300)) as s:
        started = time.monotonic()
        for _ in range(5):
            await s.settled()
        assert time.monotonic() - started < 2


async def test_a_chain_of_loop_turns_settles_at_its_end() -> None:
    def click(doc: Document, out: Div) -> None:
        def step(n: int) -> None:
            out.text = f"step {n}"
            if n < 20:
                asyncio.get_running_loop().call_soon(step, n + 1)  # work the doc does not track

        step(1)

    async with open_session(app_with(click)) as s:
        await s.click(s.find(type="Button"))
        await s.settled()
        assert s.find(name="out").text == "step 20"


async def test_settles_once_work_seen_pending_is_done() -> None:
    async with open_session(app_with(lambda doc, out: None)) as s:
        out = s.server_model(s.find(name="out"))
        s.server_document.add_timeout_callback(lambda: setattr(out, "text", "later"), 5)
        await s.settled(timeout=2, quiet=0.05)
        assert s.find(name="out").text == "later"


async def test_pending_work_names_unsent_changes_and_unanswered_messages() -> None:
    async with open_session(app_with(lambda doc, out: None)) as s:
        assert pending_work(s.server_session, s.client, 0.0) == []
        with s.server_document.hold():
            s.server_model(s.find(name="out")).text = "held"  # type: ignore[attr-defined]
            assert "document changes not sent yet (doc.hold() is active)" in pending_work(
                s.server_session, s.client, 0.0)
        await s.settled()
        assert s.find(name="out").text == "held"
