"""The page and its websocket: disabled until live, resume after a drop, reload when the
session is gone."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from playwright.async_api import Browser, Page, WebSocketRoute, expect

from aioserve import Document
from aioserve.models import Button, Column, Div, Slider
from aioserve.server.lifecycle import reap

pytestmark = pytest.mark.asyncio(loop_scope="session")  # see conftest.py

STATUS = "#aioserve-status"
# Sessions are unused after 1 ms, but the reaper runs only when the test calls it (the
# same sweep the server's loop runs), so a page that is still loading is never reaped.
REAP_BY_HAND = {"unused_session_lifetime_ms": 1, "check_unused_sessions_ms": 600_000}


def counter_app(built: list[str]) -> Any:
    """A counter the server bumps (`bump`) and a slider the user moves."""

    def app(doc: Document) -> None:
        built.append(doc.session_context.id if doc.session_context else "")
        out = Div(text="count 0", name="out")
        level = Slider(title="Level", start=0, end=10, step=1, value=0)
        button = Button(label="Add one")
        state = {"count": 0}

        def bump() -> None:
            state["count"] += 1
            out.text = f"count {state['count']}"

        button.on_click(bump)
        doc.add_root(Column(button, level, out))

    return app


class Gate:
    """Routes the page's websockets: while closed, new connections wait (the page
    sits in "reconnecting"); every message both ways is recorded."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.open.set()
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.connections = 0
        self.close_codes: list[int | None] = []

    async def route(self, ws: WebSocketRoute) -> None:
        await self.open.wait()
        self.connections += 1
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            self.sent.append(json.loads(message))
            server.send(message)

        def to_page(message: str | bytes) -> None:
            self.received.append(json.loads(message))
            ws.send(message)

        async def closed_by_server(code: int | None, reason: str | None) -> None:
            self.close_codes.append(code)
            await ws.close(code=code, reason=reason)

        ws.on_message(to_server)
        server.on_message(to_page)
        server.on_close(closed_by_server)


async def test_controls_are_disabled_until_the_connection_is_open(
        live: Any, page: Page, screenshot: Any) -> None:
    built: list[str] = []
    server = await live({"/counter": counter_app(built)})
    gate = Gate()
    gate.open.clear()
    await page.route_web_socket("**/counter/ws*", gate.route)
    await page.goto(server.url("/counter"))
    # The websocket is held: the page shows that it is connecting and takes no input.
    await expect(page.locator(STATUS)).to_have_attribute("data-state", "connecting")
    await expect(page.get_by_role("button", name="Add one")).to_have_count(0)
    await expect(page.locator(".aio-loading")).to_be_visible()
    await screenshot(page, "connecting")

    gate.open.set()
    await expect(page.locator(STATUS)).to_have_attribute("data-state", "connected")
    await expect(page.get_by_role("button", name="Add one")).to_be_enabled()
    assert gate.sent[0] == {"type": "pull"}

    # Lost again: the controls are shown but disabled, and clicks send nothing.
    gate.open.clear()
    await server.drop_connections("/counter")
    await expect(page.locator(STATUS)).to_have_attribute("data-state", "reconnecting")
    button = page.get_by_role("button", name="Add one")
    await expect(button).to_be_disabled()
    await expect(page.get_by_role("slider", name="Level")).to_be_disabled()
    await button.click(force=True)
    await screenshot(page, "reconnecting")
    gate.open.set()
    await expect(button).to_be_enabled()
    await expect(page.get_by_text("count 0")).to_be_visible()
    assert not [m for m in gate.sent if m.get("type") == "event"]


async def test_resume_keeps_state_and_shows_what_was_missed(live: Any, page: Page,
                                                            screenshot: Any) -> None:
    built: list[str] = []
    server = await live({"/counter": counter_app(built)})
    gate = Gate()
    await page.route_web_socket("**/counter/ws*", gate.route)
    await server.open(page, "/counter")
    await page.get_by_role("slider", name="Level").fill("6")
    await page.get_by_role("button", name="Add one").click()
    await expect(page.get_by_text("count 1")).to_be_visible()
    session = server.session("/counter")
    seq_before = session.seq

    gate.open.clear()
    await server.drop_connections("/counter")
    await expect(page.locator(STATUS)).to_have_attribute("data-state", "reconnecting")
    # While the page is away, the app goes on changing the document.
    button = session.document.roots[0].children[0]
    for _ in range(3):  # three loop turns, so three patches
        session.document.add_next_tick_callback(button.event_callbacks("click")[0])
        await asyncio.sleep(0.01)
    assert session.seq == seq_before + 3

    gate.open.set()
    await expect(page.get_by_text("count 4")).to_be_visible()
    await expect(page.locator(STATUS)).to_have_attribute("data-state", "connected")
    await expect(page.get_by_role("slider", name="Level")).to_have_value("6")
    # Same session, resumed from the last seq the page had: only the missed patches came.
    assert built == [session.id]
    assert server.sessions("/counter") == [session]
    resume = [m for m in gate.sent if m["type"] == "resume"]
    assert resume == [{"type": "resume", "since": seq_before}]
    acks = [i for i, m in enumerate(gate.received) if m["type"] == "ack"]
    assert len(acks) == 2 and gate.received[acks[1]]["seq"] == seq_before + 3
    after = gate.received[acks[1]:]
    assert [m["type"] for m in after] == ["ack", "patch", "patch", "patch", "resumed"]
    assert [m["seq"] for m in after[1:]] == [seq_before + 1, seq_before + 2, seq_before + 3,
                                             seq_before + 3]
    # And it is live again.
    await page.get_by_role("button", name="Add one").click()
    await expect(page.get_by_text("count 5")).to_be_visible()
    await screenshot(page, "resumed")


async def test_resume_past_the_replay_buffer_gets_the_whole_document(
        live: Any, page: Page, monkeypatch: Any) -> None:
    from aioserve.sessions import session as session_module

    monkeypatch.setattr(session_module, "REPLAY_MESSAGES", 2)
    built: list[str] = []
    server = await live({"/counter": counter_app(built)})
    gate = Gate()
    await page.route_web_socket("**/counter/ws*", gate.route)
    await server.open(page, "/counter")
    session = server.session("/counter")
    gate.open.clear()
    await server.drop_connections("/counter")
    await expect(page.locator(STATUS)).to_have_attribute("data-state", "reconnecting")
    out = session.document.select_one(name="out")
    for n in range(5):
        session.document.add_next_tick_callback(lambda n=n: setattr(out, "text", f"late {n}"))
        await asyncio.sleep(0.01)
    gate.open.set()
    await expect(page.get_by_text("late 4")).to_be_visible()
    assert [m["type"] for m in gate.received].count("doc") == 2
    assert built == [session.id]


async def test_a_reaped_session_with_an_old_token_reloads_into_a_new_one(
        live: Any, page: Page) -> None:
    """The session is gone and the token too old to create it again: close code 4004,
    the page says so and reloads itself, getting a new session and token."""
    built: list[str] = []
    server = await live({"/counter": counter_app(built)}, session_token_expiration_s=1,
                        **REAP_BY_HAND)
    gate = Gate()
    await page.route_web_socket("**/counter/ws*", gate.route)
    await server.open(page, "/counter")
    await page.get_by_role("button", name="Add one").click()
    await expect(page.get_by_text("count 1")).to_be_visible()
    first = server.session("/counter").id
    later = time.time() + 2  # the page's token can no longer create a session
    server.state.clock = lambda: later

    gate.open.clear()
    await server.drop_connections("/counter")
    await asyncio.sleep(0.01)  # unused for longer than the 1 ms lifetime
    assert await reap(server.state) == 1
    states: list[str] = []
    await page.expose_function("noteState", lambda s: states.append(s))
    await page.evaluate("""() => new MutationObserver(() => window.noteState(
        document.querySelector('#aioserve-status').dataset.state + ' ' +
        document.querySelector('#aioserve-status').textContent)).observe(
        document.querySelector('#aioserve-status'), {attributes: true, subtree: true,
        childList: true, characterData: true})""")
    async with page.expect_event("load"):
        gate.open.set()
    await page.wait_for_selector(f"{STATUS}[data-state=connected]")
    await expect(page.get_by_text("count 0")).to_be_visible()
    assert any("expired" in s for s in states), states
    assert len(built) == 2 and built[0] == first
    assert [s.id for s in server.sessions("/counter")] == [built[1]]
    assert 4004 in gate.close_codes


async def test_a_reaped_session_with_a_valid_token_is_rebuilt(live: Any, page: Page) -> None:
    """The session was reaped but the token may still create one: the page gets a fresh
    session under the same id, with the app's initial document, and no stale state."""
    built: list[str] = []
    server = await live({"/counter": counter_app(built)}, **REAP_BY_HAND)
    gate = Gate()
    await page.route_web_socket("**/counter/ws*", gate.route)
    await server.open(page, "/counter")
    await page.get_by_role("button", name="Add one").click()
    await expect(page.get_by_text("count 1")).to_be_visible()
    first = server.session("/counter")

    gate.open.clear()
    await server.drop_connections("/counter")
    await asyncio.sleep(0.01)  # unused for longer than the 1 ms lifetime
    assert await reap(server.state) == 1
    assert first.destroyed and not server.sessions("/counter")
    gate.open.set()
    await expect(page.get_by_text("count 0")).to_be_visible()
    await expect(page.locator(STATUS)).to_have_attribute("data-state", "connected")
    second = server.session("/counter")
    assert second is not first and second.id == first.id == built[0] == built[1]
    # The new session's numbers do not continue the old one's: the page took a new doc.
    assert [m["type"] for m in gate.received].count("doc") == 2
    await page.get_by_role("button", name="Add one").click()
    await expect(page.get_by_text("count 1")).to_be_visible()


async def test_resume_never_mixes_a_rebuilt_session_with_the_old_one(
        live: Any, page: Page, browser: Browser) -> None:
    """Two tabs share a named session, which is reaped. The first tab back rebuilds it
    (same id, valid token) and moves on; the second must not take the new session's
    patches as the continuation of the old document it still shows."""
    built: list[str] = []
    server = await live({"/counter": counter_app(built)}, **REAP_BY_HAND)
    other = await page.context.new_page()
    gates = [Gate(), Gate()]
    for tab, gate in zip((page, other), gates, strict=True):
        await tab.route_web_socket("**/counter/ws*", gate.route)
        await server.open(tab, "/counter", **{"aioserve-session-id": "team"})
    await page.get_by_role("button", name="Add one").click()
    await expect(other.get_by_text("count 1")).to_be_visible()
    old_seq = server.session("/counter").seq

    for gate in gates:
        gate.open.clear()
    await server.drop_connections("/counter")
    await asyncio.sleep(0.01)
    assert await reap(server.state) == 1

    gates[0].open.set()
    await expect(page.get_by_text("count 0")).to_be_visible()
    for n in range(1, old_seq + 3):  # the new session numbers past the old one's seq
        await page.get_by_role("button", name="Add one").click()
        await expect(page.get_by_text(f"count {n}")).to_be_visible()
    assert server.session("/counter").seq > old_seq

    gates[1].open.set()
    await expect(other.get_by_text(f"count {old_seq + 2}")).to_be_visible()
    await other.get_by_role("button", name="Add one").click()
    await expect(page.get_by_text(f"count {old_seq + 3}")).to_be_visible()
    await expect(other.get_by_text(f"count {old_seq + 3}")).to_be_visible()
    assert gates[1].sent[-2]["type"] == "pull"
