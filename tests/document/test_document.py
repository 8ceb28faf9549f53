"""Document: the tree, batching changes into one message per turn, hold, threads, _collect."""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref

import pytest

from aioserve import Document, curdoc
from aioserve.document.state import using_document
from aioserve.models import Button, Column, ColumnDataSource, DataTable, Div, Row, Slider
from tests.document.recording import Recorder, live_doc


async def turn() -> None:
    """Let the loop run the document's flush (scheduled with call_soon)."""
    await asyncio.sleep(0)
    await asyncio.sleep(0)


def test_roots_title_and_lookup() -> None:
    doc = Document()
    label, slider = Div(text="a", name="label"), Slider(name="level")
    column = Column(label, Row(slider))
    doc.add_root(column)
    doc.add_root(column)  # adding twice is a no-op
    assert doc.roots == [column]
    assert doc.get_model_by_id(slider.id) is slider
    assert doc.select_one(name="level") is slider
    assert doc.select(type=Div) == [label]
    assert {m.id for m in doc.models} == {column.id, label.id, slider.id, column.children[1].id}
    assert slider.document is doc
    with pytest.raises(LookupError, match="found 0"):
        doc.select_one(name="nothing")
    doc.title = "Dash"
    assert doc.to_json()["title"] == "Dash"
    assert doc.to_json()["roots"] == [column.id]
    with pytest.raises(TypeError, match="Document.title: expected a str"):
        doc.title = 3  # type: ignore[assignment]
    with pytest.raises(TypeError, match="add_root expects a model"):
        doc.add_root("text")  # type: ignore[arg-type]


def test_a_model_belongs_to_one_document() -> None:
    shared = Div()
    Document().add_root(Column(shared))
    with pytest.raises(ValueError, match="already belongs to another document"):
        Document().add_root(Column(shared))


async def test_changes_in_one_turn_are_one_batch_in_order() -> None:
    label, slider = Div(), Slider(end=10)
    doc, recorder = await live_doc(Column(label, slider))
    label.text = "one"
    slider.value = 2
    label.text = "two"
    doc.title = "T"
    assert recorder.batches == []  # nothing goes out before the loop turns
    await turn()
    assert len(recorder.batches) == 1
    assert recorder.batches[0] == [
        {"kind": "set", "model": label.id, "attr": "text", "value": "one"},
        {"kind": "set", "model": slider.id, "attr": "value", "value": 2},
        {"kind": "set", "model": label.id, "attr": "text", "value": "two"},
        {"kind": "title", "title": "T"},
    ]
    label.text = "three"
    await turn()
    assert len(recorder.batches) == 2


async def test_setting_the_same_value_sends_nothing() -> None:
    label = Div(text="same")
    _, recorder = await live_doc(label)
    label.text = "same"
    await turn()
    assert recorder.batches == []


async def test_a_new_model_is_sent_before_the_set_that_refers_to_it() -> None:
    column = Column()
    doc, recorder = await live_doc(column)
    new = Div(text="new")
    column.children = [new]
    await turn()
    kinds = [e["kind"] for e in recorder.batches[0]]
    assert kinds == ["models", "set"]
    assert list(recorder.batches[0][0]["models"]) == [new.id]
    assert doc.get_model_by_id(new.id) is new


async def test_add_and_remove_root_are_sent() -> None:
    doc, recorder = await live_doc()
    root = Div()
    doc.add_root(root)
    await turn()
    assert [e["kind"] for e in recorder.batches[0]] == ["models", "roots"]
    doc.remove_root(root)
    await turn()
    assert recorder.batches[1] == [{"kind": "roots", "roots": []}]
    assert root.document is None


async def test_hold_batches_until_unhold() -> None:
    label = Div()
    doc, recorder = await live_doc(label)
    doc.hold()
    for n in range(5):
        label.text = str(n)
        await turn()
    assert recorder.batches == []
    doc.unhold()
    await turn()
    assert len(recorder.batches) == 1 and len(recorder.batches[0]) == 5


async def test_hold_as_a_context_manager_and_nested() -> None:
    label = Div()
    doc, recorder = await live_doc(label)
    with doc.hold():
        label.text = "a"
        with doc.hold():
            label.text = "b"
        await turn()
        assert recorder.batches == []  # the outer hold still holds
        label.text = "c"
    await turn()
    assert [e["value"] for e in recorder.batches[0]] == ["a", "b", "c"]
    doc.unhold()  # one too many is harmless
    label.text = "d"
    await turn()
    assert len(recorder.batches) == 2


async def test_changes_before_going_live_are_in_the_first_document_not_a_patch() -> None:
    label = Div()
    doc = Document()
    doc.add_root(label)
    label.text = "built"
    recorder = Recorder()
    doc.go_live(recorder, asyncio.get_running_loop())
    await turn()
    assert recorder.batches == []
    assert doc.to_json()["models"][label.id]["props"]["text"] == "built"


async def test_next_tick_callback_from_another_thread_runs_on_the_loop() -> None:
    label = Div()
    doc, recorder = await live_doc(label)
    ran_on: list[int] = []
    done = asyncio.Event()

    def update() -> None:
        ran_on.append(threading.get_ident())
        label.text = "from a thread"
        done.set()

    thread = threading.Thread(target=lambda: doc.add_next_tick_callback(update))
    thread.start()
    thread.join()
    await asyncio.wait_for(done.wait(), 5)
    await turn()
    assert ran_on == [threading.get_ident()]
    assert recorder.batches[0][0]["value"] == "from a thread"


async def test_other_changes_from_another_thread_raise_a_clear_error() -> None:
    label, column = Div(), Column()
    doc, recorder = await live_doc(Column(label, column))
    attempts = {
        "set": lambda: setattr(label, "text", "no"),
        "add_root": lambda: doc.add_root(Div()),
        "remove_root": lambda: doc.remove_root(doc.roots[0]),
        "children": lambda: setattr(column, "children", [Div()]),
        "timeout": lambda: doc.add_timeout_callback(lambda: None, 10),
        "periodic": lambda: doc.add_periodic_callback(lambda: None, 10),
    }
    errors: dict[str, BaseException] = {}

    def worker() -> None:
        for name, attempt in attempts.items():
            try:
                attempt()
            except RuntimeError as exc:
                errors[name] = exc

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert set(errors) == set(attempts)
    assert "doc.add_next_tick_callback" in str(errors["set"])
    await turn()
    assert recorder.batches == []
    assert label.text == ""


async def test_collect_forgets_unreachable_models_so_they_are_freed() -> None:
    table = DataTable(source=ColumnDataSource(data={"x": list(range(1000))}))
    kept = Div()
    column = Column(table, kept)
    doc, _ = await live_doc(column)
    source_id = table.source.id
    dropped = weakref.ref(table)
    dropped_source = weakref.ref(table.source)
    column.children = [kept]
    del table
    gc.collect()
    assert dropped() is None and dropped_source() is None
    assert doc.get_model_by_id(source_id) is None
    assert {m.id for m in doc.models} == {column.id, kept.id}


async def test_a_model_shared_by_two_parents_stays_while_one_still_refers_to_it() -> None:
    source = ColumnDataSource(data={"x": [1]})
    a, b = DataTable(source=source), DataTable(source=source)
    column = Column(a, b)
    doc, _ = await live_doc(column)
    column.children = [b]
    assert doc.get_model_by_id(source.id) is source
    assert doc.get_model_by_id(a.id) is None and a.document is None


def test_clear_removes_every_root() -> None:
    doc = Document()
    doc.add_root(Div())
    doc.add_root(Button())
    doc.clear()
    assert doc.roots == [] and list(doc.models) == []


def test_curdoc_is_the_document_being_built() -> None:
    doc = Document()
    with using_document(doc):
        assert curdoc() is doc
        inner = Document()
        with using_document(inner):
            assert curdoc() is inner
        assert curdoc() is doc
    assert curdoc() is not doc
    assert curdoc() is curdoc()  # outside a session: one standalone document per context


async def test_destroy_frees_the_models_and_stops_everything() -> None:
    label = Div()
    doc, recorder = await live_doc(Column(label))
    ticks: list[int] = []
    doc.add_periodic_callback(lambda: ticks.append(1), 5)
    doc.add_timeout_callback(lambda: ticks.append(2), 5)
    await doc.destroy()
    await doc.destroy()  # once only
    await asyncio.sleep(0.03)
    assert ticks == [] and doc.destroyed
    assert label.document is None and doc.roots == [] and list(doc.models) == []
    doc.add_next_tick_callback(lambda: ticks.append(3))  # ignored once destroyed
    await asyncio.sleep(0.01)
    assert ticks == []


async def test_a_model_of_another_document_is_refused_before_anything_changes() -> None:
    column = Column(Div())
    doc, recorder = await live_doc(column)
    other = Document()
    foreign = Div()
    other.add_root(Column(foreign))
    before = column.children
    with pytest.raises(ValueError, match=r"^Column\.children: .* another document"):
        column.children = [Row(foreign)]
    assert column.children == before
    await turn()
    assert recorder.batches == []
