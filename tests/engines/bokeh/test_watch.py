"""A Bokeh app's callbacks under the core's loop watchdog (`--slow-callback`) and its
callback-error rate limit, as aioserve's own apps are: a slow periodic callback,
on_change or on_click logs a WARNING naming app, session and callback; a failing
one logs its traceback once, then a count, and the session goes on."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from aioserve import create_app
from aioserve.server.keys import STATE
from tests.engines.bokeh.test_server_features import open_wire, text_of
from tests.engines.bokeh.wire import BokehWire, model_id, patch_frames, write_app

TestClientT = TestClient[web.Request, web.Application]
AiohttpClient = Callable[..., Awaitable[TestClientT]]

APP = """\
import asyncio, time
from bokeh.io import curdoc
from bokeh.layouts import column
from bokeh.models import Button, Div, Slider

out = Div(text="", name="out")
slow = Slider(start=0, end=10, step=1, value=0, name="slow")
broken = Slider(start=0, end=10, step=1, value=0, name="broken")
button = Button(label="Go", name="button")

def slow_change(attr, old, new):
    time.sleep(0.15)
    out.text = f"slow {new}"

def broken_change(attr, old, new):
    raise ValueError(f"cannot take {new}")

def fine_change(attr, old, new):
    out.text = f"fine {new}"

def once(attr, old, new):
    out.tags = out.tags + ["once"]
    broken.remove_on_change("value", once)

def clicked():
    raise KeyError("nothing here")

slow.on_change("value", slow_change)
broken.on_change("value", broken_change, fine_change, once)
button.on_click(clicked)
curdoc().add_root(column(out, slow, broken, button))
"""
TICKS = """\
import asyncio, time
from bokeh.io import curdoc
from bokeh.models import Div

out = Div(text="0", name="out")
ticks = 0

def failing_tick():
    raise RuntimeError("tick failed")

def counting_tick():
    global ticks
    ticks += 1
    out.text = str(ticks)

async def slow_step():
    await asyncio.sleep(0.4)  # waiting holds nothing
    time.sleep(0.15)

curdoc().add_periodic_callback(failing_tick, 20)
curdoc().add_periodic_callback(counting_tick, 20)
curdoc().add_timeout_callback(slow_step, 10)
curdoc().add_root(out)
"""


def lines(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == level]


def click_frames(model: str) -> tuple[str, str, str]:
    """A button_click event, as BokehJS sends it."""
    header = json.dumps({"msgid": "c1", "msgtype": "PATCH-DOC"})
    content = json.dumps({"events": [{"kind": "MessageSent", "msg_type": "bokeh_event",
                                      "msg_data": {"type": "event", "name": "button_click",
                                                   "values": {"type": "map", "entries": [
                                                       ["model", {"id": model}]]}}}]})
    return header, "{}", content


async def replies(wire: BokehWire, until: str = "OK") -> list[Any]:
    got = []
    while True:
        message = await wire.receive()
        got.append(message)
        if message.msgtype in (until, "ERROR"):
            return got


async def test_a_slow_on_change_logs_a_warning_naming_app_session_and_callback(
        tmp_path: Path, aiohttp_client: AiohttpClient,
        caplog: pytest.LogCaptureFixture) -> None:
    client = await aiohttp_client(create_app([write_app(tmp_path, "cbs.py", APP)],
                                             slow_callback_ms=100, metrics=True))
    wire = await open_wire(client, "/cbs")
    doc = await wire.pull()
    session_id = client.server.app[STATE].apps["/cbs"].registry.sessions[0].id
    with caplog.at_level(logging.INFO, logger="aioserve.server"):
        await wire.send_frames(*patch_frames(model_id(doc, "slow"), "value", 3))
        got = await replies(wire)
    assert [m.msgtype for m in got] == ["PATCH-DOC", "OK"]
    assert "slow 3" in json.dumps(got[0].content)
    (warning,) = lines(caplog, logging.WARNING)
    assert re.fullmatch(
        rf"Slow callback slow_change of session {session_id} of app /cbs held the event "
        r"loop for \d+ ms \(--slow-callback 100 ms\); run blocking work with .*",
        warning.getMessage()), warning.getMessage()
    held = int(re.search(r"for (\d+) ms", warning.getMessage())[1])  # type: ignore[index]
    assert held >= 150
    metrics = await (await client.get("/_aioserve/metrics")).text()
    assert 'aioserve_slow_callbacks_total{app="/cbs"} 1.0' in metrics
    await wire.ws.close()


async def test_a_failing_on_change_or_on_click_is_logged_once_then_counted(
        tmp_path: Path, aiohttp_client: AiohttpClient,
        caplog: pytest.LogCaptureFixture) -> None:
    client = await aiohttp_client(create_app([write_app(tmp_path, "cbs.py", APP)],
                                             metrics=True))
    wire = await open_wire(client, "/cbs")
    doc = await wire.pull()
    session_id = client.server.app[STATE].apps["/cbs"].registry.sessions[0].id
    with caplog.at_level(logging.INFO):
        for value in range(1, 6):
            await wire.send_frames(*patch_frames(model_id(doc, "broken"), "value", value,
                                                 msgid=f"p{value}"))
            # The change is applied, the error stays in the log, the next callback runs.
            got = await replies(wire)
            assert got[-1].msgtype == "OK"
            assert f"fine {value}" in json.dumps([m.content for m in got[:-1]])
        for n in range(3):
            await wire.send_frames(*click_frames(model_id(doc, "button")))
            assert [m.msgtype for m in await replies(wire)] == ["OK"], n
        # The session goes on.
        await wire.send_frames(*patch_frames(model_id(doc, "slow"), "value", 2))
        assert "slow 2" in json.dumps((await replies(wire))[0].content)
        # `once` removed itself from inside its own call, and ran once.
        assert json.dumps(await wire.pull()).count('"once"') == 1
    errors = lines(caplog, logging.ERROR)
    # One line with its traceback per (callback, error type); Bokeh's own
    # "error handling message" and Tornado's lines are not written.
    assert [r.getMessage().split(" (error id")[0] for r in errors] == [
        f"Error in callback broken_change of session {session_id} of app /cbs",
        f"Error in callback clicked of session {session_id} of app /cbs"]
    assert all(r.exc_info for r in errors)
    assert "cannot take 1" in str(errors[0].exc_info[1])  # type: ignore[index]
    metrics = await (await client.get("/_aioserve/metrics")).text()
    assert 'aioserve_callback_errors_total{app="/cbs"} 8.0' in metrics
    # The pending counts are written when the session ends.
    caplog.clear()
    with caplog.at_level(logging.INFO):
        await wire.ws.close()
        session = client.server.app[STATE].apps["/cbs"].registry.sessions[0]
        await session.destroy()
    counts = [r.getMessage() for r in lines(caplog, logging.ERROR)]
    assert any(re.match(rf"Error in callback broken_change of session {session_id} of app "
                        r"/cbs: ValueError repeated 4 more times before the session ended",
                        line) for line in counts), counts
    assert any("clicked" in line and "KeyError repeated 2 more times" in line
               for line in counts), counts


async def test_periodic_and_timeout_callbacks_are_watched(
        tmp_path: Path, aiohttp_client: AiohttpClient,
        caplog: pytest.LogCaptureFixture) -> None:
    client = await aiohttp_client(create_app([write_app(tmp_path, "ticks.py", TICKS)],
                                             slow_callback_ms=100))
    with caplog.at_level(logging.INFO):
        wire = await open_wire(client, "/ticks")
        doc = await wire.pull()
        start = int(text_of(doc, "out"))
        # The failing periodic callback does not stop the other one.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 5
        latest = start
        while latest < start + 30:  # 0.6 s at least: the timeout callback has run
            assert loop.time() < deadline, "the counting callback stopped"
            message = await wire.receive()
            for event in message.content.get("events", []):
                if event.get("attr") == "text":
                    latest = int(event["new"])
    session_id = client.server.app[STATE].apps["/ticks"].registry.sessions[0].id
    errors = lines(caplog, logging.ERROR)
    assert [r.getMessage().split(" (error id")[0] for r in errors] == [
        f"Error in callback failing_tick of session {session_id} of app /ticks"]
    assert not [r for r in caplog.records if r.name.startswith(("tornado", "bokeh"))
                and r.levelno >= logging.ERROR]
    warnings = [r.getMessage() for r in lines(caplog, logging.WARNING)]
    # The coroutine's blocking step is timed on its own, not its whole life.
    slow = [re.match(rf"Slow callback slow_step of session {session_id} of app /ticks "
                     r"held the event loop for (\d+) ms", w) for w in warnings]
    held = [int(m[1]) for m in slow if m]
    assert len(held) == 1 and 150 <= held[0] < 400, warnings
    await wire.ws.close()


async def test_a_slow_app_build_is_reported(tmp_path: Path, aiohttp_client: AiohttpClient,
                                            caplog: pytest.LogCaptureFixture) -> None:
    app = write_app(tmp_path, "heavy.py", "import time\nfrom bokeh.io import curdoc\n"
                    "from bokeh.models import Div\ntime.sleep(0.15)\n"
                    "curdoc().add_root(Div(text='x'))\n")
    client = await aiohttp_client(create_app([app], slow_callback_ms=100))
    with caplog.at_level(logging.INFO):
        assert (await client.get("/heavy")).status == 200
    session_id = client.server.app[STATE].apps["/heavy"].registry.sessions[0].id
    (warning,) = [r.getMessage() for r in lines(caplog, logging.WARNING)]
    assert re.match(rf"Slow app build: app /heavy held the event loop for \d+ ms building "
                    rf"session {session_id}", warning), warning
