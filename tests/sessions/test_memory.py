"""An ended session is freed at once, by reference counting, not by a rare full
collection (issue 9: memory grew ~+260 MB per 10,000 sessions and stayed).

Each test turns the cyclic garbage collector off while it builds and ends
sessions, then checks with weak references that the document, its models and
its module's namespace are gone.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aioserve.application.application import Application, load_application
from aioserve.application.handlers import MODULE_PREFIX
from aioserve.document import Document
from aioserve.engines.native import AioserveEngine
from aioserve.models import Button, Column, Div, Slider
from aioserve.server.served_app import ServedApp
from aioserve.sessions.context import RequestData
from aioserve.sessions.session import ServerSession

SLIDERS = Path(__file__).resolve().parents[2] / "examples" / "sliders.py"


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def run_session(served: ServedApp, session_id: str) -> dict[str, Any]:
    """Build a session, end it as the reaper does; weak references to what it had."""
    session = await served.registry.get_or_create(
        session_id, lambda: served.create_session(session_id, RequestData()))
    assert isinstance(session, ServerSession)
    doc = session.document
    refs: dict[str, Any] = {
        "session": weakref.ref(session), "document": weakref.ref(doc),
        "models": [weakref.ref(m) for m in doc.models],
        "module_names": [n for n in sys.modules if n.startswith(MODULE_PREFIX)],
    }
    assert refs["models"], "the app built no models"
    await served.registry.discard(session)
    del session, doc
    await asyncio.sleep(0)  # the cancelled periodic callbacks' handles let go
    return refs


def assert_freed(refs: dict[str, Any]) -> None:
    alive = [name for name in ("session", "document") if refs[name]() is not None]
    alive += [repr(r()) for r in refs["models"] if r() is not None]
    assert alive == [], "still in memory after the session ended"
    for name in refs["module_names"]:
        assert name not in sys.modules


async def test_an_ended_script_session_is_freed_without_the_cycle_collector(
        no_cycle_collector: None) -> None:
    # examples/sliders.py: module-level callbacks on change, on click, periodic.
    served = ServedApp("/sliders", AioserveEngine(load_application(SLIDERS)))
    refs = [await run_session(served, f"s{i}") for i in range(3)]
    for one in refs:
        assert_freed(one)
    assert not [n for n in sys.modules if n.startswith(MODULE_PREFIX)]


async def test_an_ended_function_session_is_freed_without_the_cycle_collector(
        no_cycle_collector: None) -> None:
    destroyed: list[str] = []

    def app(doc: Document) -> None:
        # Closures that refer to the models they are attached to: each is a cycle
        # (model -> callback -> cell -> model) unless the session breaks it.
        slider = Slider(start=0, end=10, value=1)
        label = Div(text="")
        button = Button(label="go")
        slider.on_change("value", lambda attr, old, new: setattr(label, "text", str(new)))
        button.on_click(lambda: setattr(slider, "value", 2))

        def tick() -> None:
            label.text = str(slider.value)

        doc.add_periodic_callback(tick, 1000)
        doc.add_timeout_callback(tick, 60_000)
        doc.on_session_destroyed(lambda ctx: destroyed.append(ctx.id if ctx else "?"))
        doc.add_root(Column(slider, button, label))

    served = ServedApp("/fn", AioserveEngine(Application(app)))
    refs = await run_session(served, "f1")
    assert destroyed == ["f1"]  # the hooks still ran before the cycles were broken
    assert_freed(refs)

