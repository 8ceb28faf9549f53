"""Callback errors: rate-limited in the log, private to visitors; the loop watchdog."""

from __future__ import annotations

import asyncio
import logging
import re
import time

import pytest

from aioserve.client import ClientSession
from aioserve.document import Document
from aioserve.models import Button, Column, Div, Slider
from aioserve.sessions import incidents
from aioserve.sessions.incidents import AppIncidents
from aioserve.testing import start_server

pytestmark = pytest.mark.filterwarnings("error")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def broken() -> None:
    raise ZeroDivisionError("the app divided by zero")


def also_broken() -> None:
    raise ZeroDivisionError("another one")


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno == logging.ERROR]


def raising(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_a_repeated_error_logs_its_traceback_once_then_counts(
        caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    app = AppIncidents("/app", clock=clock)
    notices = [app.callback_failed("s1", raising(ZeroDivisionError("x")), broken)
               for _ in range(50)]
    logged = errors_logged(caplog)
    assert len(logged) == 1 and logged[0].exc_info is not None  # the first, with traceback
    line = logged[0].getMessage()
    error_id = re.search(r"\(error id ([0-9a-f]{8})\)$", line)
    assert error_id is not None
    assert "test_incidents.broken" in line and "s1" in line and "/app" in line
    # Every visitor notice names the same id, and nothing else.
    assert set(notices) == {f"Something went wrong in this app. Error id: {error_id[1]}"}

    clock.now += incidents.REPEAT_LOG_INTERVAL_S
    app.callback_failed("s1", raising(ZeroDivisionError("x")), broken)
    count_line = errors_logged(caplog)[1]
    assert count_line.exc_info is None
    assert count_line.getMessage().endswith(
        f"ZeroDivisionError repeated 50 more times in the last 60 s (error id {error_id[1]})")

    app.callback_failed("s1", raising(ZeroDivisionError("x")), broken)
    assert len(errors_logged(caplog)) == 2  # counted, not written yet
    app.session_ended("s1")
    last = errors_logged(caplog)[-1].getMessage()
    assert last.endswith(f"repeated 1 more time before the session ended (error id "
                         f"{error_id[1]})")
    app.session_ended("s1")
    assert len(errors_logged(caplog)) == 3  # nothing left to write


def test_another_session_callback_or_error_type_logs_its_own_traceback(
        caplog: pytest.LogCaptureFixture) -> None:
    app = AppIncidents("/app", clock=Clock())
    app.callback_failed("s1", raising(ZeroDivisionError("x")), broken)
    app.callback_failed("s2", raising(ZeroDivisionError("x")), broken)
    app.callback_failed("s1", raising(ZeroDivisionError("x")), also_broken)
    app.callback_failed("s1", raising(KeyError("x")), broken)
    app.callback_failed("s1", raising(ZeroDivisionError("other text")), broken)  # same kind
    logged = errors_logged(caplog)
    assert len(logged) == 4 and all(r.exc_info is not None for r in logged)
    assert len({re.search(r"error id (\w+)", r.getMessage())[1] for r in logged}) == 4  # type: ignore[index]


def test_memory_is_bounded(caplog: pytest.LogCaptureFixture) -> None:
    app = AppIncidents("/app", clock=Clock())
    for n in range(incidents.MAX_TRACKED_ERRORS + 500):
        app.callback_failed(f"s{n}", raising(ValueError()), broken)
    assert app.tracked_errors == incidents.MAX_TRACKED_ERRORS


def test_show_errors_gives_the_details_and_the_id() -> None:
    app = AppIncidents("/app", show_errors=True)
    notice = app.callback_failed("s1", raising(ZeroDivisionError("the app divided by zero")),
                                 broken)
    assert re.fullmatch(r"Error in tests\.sessions\.test_incidents\.broken: ZeroDivisionError: "
                        r"the app divided by zero \(error id [0-9a-f]{8}\)", notice)


def clicker(doc: Document) -> None:
    doc.add_root(Column(Button(label="Break", name="break"), Div(name="out")))
    doc.select_one(name="break").on_click(broken)  # type: ignore[attr-defined]


async def test_a_raising_callback_through_the_real_websocket(
        caplog: pytest.LogCaptureFixture) -> None:
    """30 clicks: one traceback in the log, 30 private notices carrying its id."""
    caplog.set_level(logging.INFO)
    async with start_server({"/app": clicker}, show_errors=False) as server, \
            await ClientSession.open(server.url + "/app") as client:
        for _ in range(30):
            await client.click(client.document.find(name="break"))
        # Each notice is sent while the click is handled, before its `ok`.
        assert len(client.notices) == 30
        notices = set(client.notices)
    tracebacks = [r for r in errors_logged(caplog) if r.exc_info is not None]
    assert len(tracebacks) == 1
    error_id = re.search(r"error id ([0-9a-f]{8})", tracebacks[0].getMessage())
    assert error_id is not None
    assert notices == {f"Something went wrong in this app. Error id: {error_id[1]}"}
    # The session ended with the server: its pending count was written.
    assert any(f"ZeroDivisionError repeated 29 more times before the session ended "
               f"(error id {error_id[1]})" in r.getMessage() for r in errors_logged(caplog))


# ---- the loop watchdog


def watched_app(doc: Document) -> None:
    slider = Slider(start=0, end=10, value=0, name="slider")
    out = Div(name="out")

    def blocks(attr: str, old: object, new: object) -> None:
        time.sleep(0.4)  # the kind of call that freezes every session

    def fast_but_triggers() -> None:
        slider.value = 5  # runs `blocks`, whose time is its own

    async def awaits_then_blocks() -> None:
        await asyncio.sleep(1.5)  # waiting is not holding the loop
        time.sleep(0.4)  # noqa: ASYNC251 (the mistake the watchdog is for)
        out.text = "done"

    async def only_awaits() -> None:
        await asyncio.sleep(0.3)
        out.text = "awaited"

    slider.on_change("value", blocks)
    buttons = [Button(label=f.__name__, name=f.__name__)
               for f in (fast_but_triggers, awaits_then_blocks, only_awaits)]
    for button, callback in zip(buttons, (fast_but_triggers, awaits_then_blocks, only_awaits),
                                strict=True):
        button.on_click(callback)
    doc.add_root(Column(slider, out, *buttons))


def slow_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno == logging.WARNING and r.getMessage().startswith("Slow ")]


async def test_the_watchdog_names_the_callback_that_held_the_loop(
        caplog: pytest.LogCaptureFixture) -> None:
    async with start_server({"/app": watched_app}, slow_callback_ms=250,
                            metrics=True) as server, \
            await ClientSession.open(server.url + "/app") as client:
        session_id = client.id
        for name in ("fast_but_triggers", "only_awaits", "awaits_then_blocks"):
            await client.click(client.document.find(name=name))
        await client.wait_for(lambda doc: doc.find(name="out").props["text"] == "done",
                              timeout=5)
        async with client.http.get(server.url + "/_aioserve/metrics") as response:
            metrics = await response.text()
    warnings = slow_warnings(caplog)
    assert len(warnings) == 2, warnings
    pattern = (r"Slow callback {name} of session {sid} of app /app held the event loop for "
               r"(\d+) ms \(--slow-callback 250 ms\); run blocking work with "
               r"`await aioserve.run_blocking\(fn, \.\.\.\)`")
    sid = re.escape(session_id)
    here = r"tests\.sessions\.test_incidents\.watched_app\.<locals>\."
    first = re.fullmatch(pattern.format(name=here + "blocks", sid=sid), warnings[0])
    second = re.fullmatch(pattern.format(name=here + "awaits_then_blocks", sid=sid),
                          warnings[1])
    assert first and second, warnings
    # Its own time: the second never counts its 1 s await (the machine may be slow).
    assert int(first[1]) >= 400 and 400 <= int(second[1]) < 1400
    assert 'aioserve_slow_callbacks_total{app="/app"} 2.0' in metrics


def slow_build(doc: Document) -> None:
    time.sleep(0.15)
    doc.add_root(Div(text="built"))


async def test_a_slow_app_build_is_named_and_zero_turns_the_watchdog_off(
        caplog: pytest.LogCaptureFixture) -> None:
    async with start_server({"/slow": slow_build}, slow_callback_ms=100) as server, \
            await ClientSession.open(server.url + "/slow") as client:
        session_id = client.id
    (warning,) = slow_warnings(caplog)
    assert re.fullmatch(rf"Slow app build: app /slow held the event loop for \d+ ms building "
                        rf"session {re.escape(session_id)} \(--slow-callback 100 ms\); .*",
                        warning)
    caplog.clear()
    async with start_server({"/slow": slow_build, "/app": watched_app},
                            slow_callback_ms=0) as server:
        async with await ClientSession.open(server.url + "/slow"):
            pass
        async with await ClientSession.open(server.url + "/app") as client:
            await client.click(client.document.find(name="fast_but_triggers"))
    assert slow_warnings(caplog) == []
