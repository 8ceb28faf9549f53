"""Change, event and scheduled callbacks: plain functions and coroutines alike."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from aioserve import Document, curdoc
from aioserve.document.model import Event, event_caller
from aioserve.models import Button, Column, Div, FileInput, Slider, TextInput
from tests.document.recording import live_doc


def click(button: Button, doc: Document) -> None:
    """What the session does when the browser sends a click."""
    for callback in button.event_callbacks("click"):
        doc.run_callback(event_caller(callback), Event(button, "click"))


async def test_on_change_gets_attr_old_and_new() -> None:
    slider = Slider(end=10)
    await live_doc(slider)
    calls: list[tuple[str, Any, Any]] = []
    slider.on_change("value", lambda attr, old, new: calls.append((attr, old, new)))
    slider.value = 3
    slider.value = 3  # unchanged: no call
    slider.value = 4
    assert calls == [("value", 0.0, 3), ("value", 3, 4)]


async def test_on_change_with_several_attrs_and_several_callbacks() -> None:
    text = TextInput()
    await live_doc(text)
    first: list[str] = []
    second: list[str] = []
    text.on_change("value", "value_input", "title", lambda a, o, n: first.append(a))
    text.on_change("value", lambda a, o, n: second.append(n))
    text.value_input = "ab"
    text.value = "abc"
    text.title = "Name"
    text.placeholder = "not watched"
    assert first == ["value_input", "value", "title"]
    assert second == ["abc"]


async def test_remove_on_change_stops_only_that_callback() -> None:
    slider = Slider(end=10)
    await live_doc(slider)
    calls: list[str] = []

    def a(attr: str, old: Any, new: Any) -> None:
        calls.append("a")

    def b(attr: str, old: Any, new: Any) -> None:
        calls.append("b")

    slider.on_change("value", a)
    slider.on_change("value", b)
    slider.remove_on_change("value", a)
    slider.value = 1
    assert calls == ["b"]
    with pytest.raises(ValueError):
        slider.remove_on_change("value", a)


def test_on_change_and_on_event_check_their_arguments() -> None:
    slider = Slider()
    with pytest.raises(ValueError, match="Slider has no property 'valu'"):
        slider.on_change("valu", lambda a, o, n: None)
    with pytest.raises(TypeError, match="one or more property names, then a callback"):
        slider.on_change(lambda a, o, n: None)
    with pytest.raises(TypeError, match="then a callback"):
        slider.on_change("value", "title")
    with pytest.raises(ValueError, match=r"Slider has no event 'click' \(it has: none\)"):
        slider.on_event("click", lambda: None)
    with pytest.raises(ValueError, match=r"Button has no event 'hover' \(it has: click\)"):
        Button().on_event("hover", lambda: None)


async def test_event_callbacks_may_take_the_event_or_nothing() -> None:
    button = Button(label="Go")
    doc, _ = await live_doc(button)
    seen: list[Any] = []
    button.on_click(lambda: seen.append("no args"))
    button.on_click(lambda event: seen.append(event.model))
    button.on_event("click", lambda *args: seen.append(len(args)))
    click(button, doc)
    assert seen == ["no args", button, 1]


async def test_coroutine_callbacks_run_for_changes_events_and_schedules() -> None:
    slider, button = Slider(end=10), Button()
    doc, recorder = await live_doc(Column(slider, button))
    label = Div()
    doc.add_root(label)
    done: list[str] = []

    async def changed(attr: str, old: Any, new: Any) -> None:
        await asyncio.sleep(0)
        done.append(f"changed {new}")
        label.text = "after await"

    async def clicked() -> None:
        await asyncio.sleep(0)
        done.append("clicked")

    async def later() -> None:
        done.append("later")

    slider.on_change("value", changed)
    button.on_click(clicked)
    slider.value = 5
    click(button, doc)
    doc.add_next_tick_callback(later)
    doc.add_timeout_callback(later, 1)
    await asyncio.sleep(0.05)
    assert sorted(done) == ["changed 5", "clicked", "later", "later"]
    assert label.text == "after await"
    assert recorder.failures == []


async def test_curdoc_inside_any_callback_is_its_document() -> None:
    slider = Slider(end=10)
    doc, _ = await live_doc(slider)
    seen: list[Document] = []

    async def coroutine(attr: str, old: Any, new: Any) -> None:
        await asyncio.sleep(0)
        seen.append(curdoc())

    slider.on_change("value", lambda a, o, n: seen.append(curdoc()))
    slider.on_change("value", coroutine)
    doc.add_next_tick_callback(lambda: seen.append(curdoc()))
    slider.value = 1
    await asyncio.sleep(0.02)
    assert seen == [doc, doc, doc]


async def test_errors_in_callbacks_go_to_the_listener_and_the_rest_still_run() -> None:
    slider, button = Slider(end=10), Button()
    doc, recorder = await live_doc(Column(slider, button))
    after: list[str] = []

    def broken(attr: str, old: Any, new: Any) -> None:
        raise ValueError("sync boom")

    async def broken_later() -> None:
        await asyncio.sleep(0)
        raise KeyError("async boom")

    slider.on_change("value", broken)
    slider.on_change("value", lambda a, o, n: after.append("still runs"))
    button.on_click(broken_later)
    slider.value = 2
    click(button, doc)
    await asyncio.sleep(0.02)
    assert after == ["still runs"]
    assert slider.value == 2
    errors = [(type(e).__name__, getattr(cb, "__name__", "")) for e, cb in recorder.failures]
    # Reported under the app's own callback names, not an adapter's.
    assert errors == [("ValueError", "broken"), ("KeyError", "broken_later")]


async def test_an_upload_error_is_reported_under_the_apps_callback() -> None:
    files = FileInput()
    doc, recorder = await live_doc(files)

    def received(filename: str, content: bytes, mime_type: str) -> None:
        raise RuntimeError(f"cannot parse {filename}")

    files.on_upload(received)
    data = files.client_event("upload", {"filename": "a.csv", "content": "eDE=",
                                         "mime_type": "text/csv"})
    for callback in files.event_callbacks("upload"):
        doc.run_callback(event_caller(callback), Event(files, "upload", data))
    assert [cb.__name__ for _, cb in recorder.failures] == ["received"]


def test_an_error_without_a_session_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    doc = Document()

    def broken() -> None:
        raise ZeroDivisionError

    with caplog.at_level(logging.ERROR, logger="aioserve.document"):
        assert doc.run_callback(broken) is None
    assert "error in callback" in caplog.text


async def test_timeout_callback_runs_once_after_its_delay() -> None:
    doc, _ = await live_doc()
    loop = asyncio.get_running_loop()
    start = loop.time()
    at: list[float] = []
    doc.add_timeout_callback(lambda: at.append(loop.time() - start), 30)
    await asyncio.sleep(0.1)
    assert len(at) == 1 and at[0] >= 0.029


async def test_timeout_and_next_tick_callbacks_can_be_removed() -> None:
    doc, _ = await live_doc()
    ran: list[str] = []

    def timeout() -> None:
        ran.append("timeout")

    def tick() -> None:
        ran.append("tick")

    doc.add_timeout_callback(timeout, 10)
    doc.add_next_tick_callback(tick)
    doc.remove_timeout_callback(timeout)
    doc.remove_next_tick_callback(tick)
    await asyncio.sleep(0.03)
    assert ran == []
    with pytest.raises(ValueError, match="not a pending callback"):
        doc.remove_timeout_callback(timeout)


async def test_periodic_callback_repeats_until_removed() -> None:
    doc, _ = await live_doc()
    ticks: list[int] = []

    def tick() -> None:
        ticks.append(1)

    assert doc.add_periodic_callback(tick, 10) is tick
    await asyncio.sleep(0.105)
    doc.remove_periodic_callback(tick)
    count = len(ticks)
    assert 2 <= count <= 11  # a loaded machine skips ticks rather than bunching them
    await asyncio.sleep(0.05)
    assert len(ticks) == count
    with pytest.raises(ValueError, match="not a periodic callback"):
        doc.remove_periodic_callback(tick)
    with pytest.raises(ValueError, match="period must be > 0"):
        doc.add_periodic_callback(tick, 0)


async def test_a_slow_periodic_coroutine_never_overlaps_itself() -> None:
    doc, _ = await live_doc()
    running = 0
    most = 0
    runs = 0

    async def slow() -> None:
        nonlocal running, most, runs
        running += 1
        runs += 1
        most = max(most, running)
        await asyncio.sleep(0.035)
        running -= 1

    doc.add_periodic_callback(slow, 10)
    await asyncio.sleep(0.15)
    doc.remove_periodic_callback(slow)
    assert most == 1 and runs >= 2


async def test_periodic_callbacks_stop_when_the_session_ends() -> None:
    doc, _ = await live_doc()
    ticks: list[int] = []
    doc.add_periodic_callback(lambda: ticks.append(1), 5)
    await asyncio.sleep(0.03)
    await doc.destroy()
    count = len(ticks)
    await asyncio.sleep(0.03)
    assert count >= 1 and len(ticks) == count


async def test_destroy_runs_hooks_and_cancels_running_coroutines() -> None:
    doc, _ = await live_doc()
    events: list[str] = []
    cancelled = asyncio.Event()

    async def forever() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def async_hook(context: Any) -> None:
        events.append("async hook")

    doc.add_next_tick_callback(forever)
    doc.on_session_destroyed(lambda context: events.append(f"hook {context}"))
    doc.on_session_destroyed(async_hook)
    await asyncio.sleep(0.01)
    await doc.destroy()
    assert cancelled.is_set()
    assert events == ["hook None", "async hook"]


async def test_a_periodic_callback_on_a_document_not_yet_live_uses_the_running_loop() -> None:
    doc = Document()
    ticks: list[int] = []
    doc.add_periodic_callback(lambda: ticks.append(1), 5)
    await asyncio.sleep(0.03)
    await doc.destroy()
    assert ticks


async def test_one_callback_may_be_pending_twice_and_each_call_is_cancellable() -> None:
    doc, _ = await live_doc()
    ran: list[int] = []

    def tick() -> None:
        ran.append(1)

    doc.add_timeout_callback(tick, 10)
    doc.add_timeout_callback(tick, 20)
    doc.add_timeout_callback(tick, 30)
    doc.remove_timeout_callback(tick)  # the earliest
    # Long past all three deadlines, however busy the machine: two calls, not three.
    await asyncio.sleep(0.3)
    assert ran == [1, 1]
    with pytest.raises(ValueError):
        doc.remove_timeout_callback(tick)


async def test_nothing_scheduled_runs_after_the_session_ends() -> None:
    doc, _ = await live_doc()
    ran: list[str] = []
    for n in range(3):  # e.g. a worker thread posting the same update again and again
        doc.add_next_tick_callback(lambda: ran.append("tick"))
        doc.add_timeout_callback(lambda n=n: ran.append(f"timeout {n}"), 5)
    update = lambda: ran.append("update")  # noqa: E731
    doc.add_timeout_callback(update, 5)
    doc.add_timeout_callback(update, 5)
    await doc.destroy()
    await asyncio.sleep(0.03)
    assert ran == []


async def test_the_same_periodic_callback_twice_is_refused() -> None:
    doc, _ = await live_doc()
    ticks: list[int] = []

    def tick() -> None:
        ticks.append(1)

    doc.add_periodic_callback(tick, 5)
    with pytest.raises(ValueError, match="already a periodic callback"):
        doc.add_periodic_callback(tick, 10)
    doc.remove_periodic_callback(tick)
    await asyncio.sleep(0.03)
    assert ticks == []  # none left running
    doc.add_periodic_callback(tick, 5)  # after removing, it may be added again
    await doc.destroy()
