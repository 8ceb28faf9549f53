"""aioserve.testing.open_session: one test per feature of a headless session."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest

from aioserve.application.application import Application
from aioserve.client import ClientError
from aioserve.document.document import Document
from aioserve.models import Button, Column, Div, FileInput, Select, Slider, TextInput, Toggle
from aioserve.security.tokens import check_session_id_signature, generate_secret_key
from aioserve.testing import CallbackError, PageError, open_session, start_server


def counter_app(doc: Document) -> None:
    """A slider that rewrites a label, a button that counts, both as a page shows them."""
    slider = Slider(title="Size", start=0, end=10, step=1, value=3)
    label = Div(text="<b>size</b> 3", name="label")
    button = Button(label="Add one")
    count = Div(text="0", name="count")
    slider.on_change("value", lambda attr, old, new: setattr(label, "text", f"<b>size</b> {new:g}"))

    def add() -> None:
        count.text = str(int(count.text) + 1)

    button.on_click(add)
    doc.title = "Counter"
    doc.add_root(Column(slider, label, button, count))


async def test_open_reads_the_document_as_the_page_has_it() -> None:
    async with open_session(counter_app) as s:
        assert s.title == "Counter"
        slider = s.find(type="Slider")
        assert slider.value == 3 and slider["title"] == "Size"
        assert s.find(name="count").text == "0"


async def test_find_by_type_class_name_and_label() -> None:
    async with open_session(counter_app) as s:
        assert s.find(type=Slider).id == s.find(type="Slider").id
        assert s.find(label="Add one").type == "Button"
        assert s.find(label="Size").type == "Slider"  # a title counts as the label
        assert len(s.find_all(type="Div")) == 2
        with pytest.raises(LookupError, match="several models.*Div 'label'"):
            s.find(type="Div")
        with pytest.raises(LookupError, match="no model matching name='missing'"):
            s.find(name="missing")


async def test_set_runs_the_callbacks_and_patches_the_page() -> None:
    async with open_session(counter_app) as s:
        slider = s.find(type="Slider")
        await s.set(slider, value=7)
        await s.settled()
        assert slider.value == 7
        assert s.find(name="label").text == "<b>size</b> 7"
        await s.set(slider, "value", 8)  # the positional spelling
        await s.settled()
        assert s.text(s.find(name="label")) == "size 8"


async def test_click_runs_the_button_callback() -> None:
    async with open_session(counter_app) as s:
        for _ in range(3):
            await s.click(s.find(label="Add one"))
        await s.settled()
        assert s.find(name="count").text == "3"


async def test_the_server_refuses_what_a_browser_could_not_do() -> None:
    async with open_session(counter_app) as s:
        label = s.find(name="label")
        with pytest.raises(ClientError) as refused:
            await s.set(label, text="hacked")
        assert refused.value.code == "read_only"
        assert label.text == "<b>size</b> 3"  # the page's copy is put back
        with pytest.raises(ClientError) as invalid:
            await s.set(s.find(type="Slider"), value="big")
        assert invalid.value.code == "invalid_value"
        assert s.server_document.select_one(name="label").text == "<b>size</b> 3"


async def test_text_is_what_the_page_shows() -> None:
    async with open_session(counter_app) as s:
        assert s.text() == "Size 3\nsize 3\nAdd one\n0"


async def test_server_document_and_server_model_are_the_real_objects() -> None:
    async with open_session(counter_app) as s:
        await s.set(s.find(type="Slider"), value=5)
        await s.settled()
        server_slider = s.server_model(s.find(type="Slider"))
        assert isinstance(server_slider, Slider) and server_slider.value == 5
        assert s.server_document.select_one(name="label").text == "<b>size</b> 5"
        assert s.server_session.id == s.id


async def test_settled_waits_for_coroutine_and_next_tick_callbacks() -> None:
    def app(doc: Document) -> None:
        button = Button(label="Go")
        out = Div(text="idle", name="out")

        async def work() -> None:
            await asyncio.sleep(0.05)
            out.text = "half"
            doc.add_next_tick_callback(lambda: setattr(out, "text", "done"))

        button.on_click(work)
        doc.add_root(Column(button, out))

    async with open_session(app) as s:
        await s.click(s.find(type="Button"))
        await s.settled()
        assert s.find(name="out").text == "done"


async def test_a_failing_callback_fails_settled() -> None:
    def app(doc: Document) -> None:
        button = Button(label="Break")

        def broken() -> None:
            raise RuntimeError("boom")

        button.on_click(broken)
        doc.add_root(button)

    async with open_session(app) as s:
        await s.click(s.find(type="Button"))
        with pytest.raises(CallbackError, match="RuntimeError: boom"):
            await s.settled()
        await s.settled()  # reported once
    async with open_session(app, raise_callback_errors=False) as s:
        await s.click(s.find(type="Button"))
        await s.settled()
        assert any("boom" in e for e in s.errors)


async def test_upload_sends_a_file_as_the_page_does() -> None:
    def app(doc: Document) -> None:
        upload = FileInput(title="CSV", name="file")
        rows = Div(text="", name="rows")
        upload.on_upload(lambda filename, content, mime: setattr(
            rows, "text", f"{filename}: {content.decode().count(chr(10))} rows ({mime})"))
        doc.add_root(Column(upload, rows))

    async with open_session(app) as s:
        await s.upload(s.find(name="file"), "data.csv", b"a,b\n1,2\n3,4\n", "text/csv")
        await s.settled()
        assert s.find(name="rows").text == "data.csv: 3 rows (text/csv)"
        assert s.find(name="file").filename == "data.csv"


async def test_wait_for_follows_periodic_updates() -> None:
    def app(doc: Document) -> None:
        ticks = Div(text="0", name="ticks")
        doc.add_periodic_callback(lambda: setattr(ticks, "text", str(int(ticks.text) + 1)), 10)
        doc.add_root(ticks)

    async with open_session(app) as s:
        await s.wait_for(lambda doc: int(doc.find(name="ticks").text) >= 3, timeout=5)


async def test_apps_as_path_application_and_dict(tmp_path: Path) -> None:
    script = tmp_path / "hello.py"
    script.write_text(textwrap.dedent("""
        import sys
        from aioserve import curdoc
        from aioserve.models import Div
        curdoc().add_root(Div(text="hello " + " ".join(sys.argv[1:]), name="hi"))
    """))
    async with open_session(script, args=("from", "args")) as s:
        assert s.find(name="hi").text == "hello from args"
    async with open_session(Application(counter_app)) as s:
        assert s.title == "Counter"
    apps = {"/one": counter_app, "/two": script}
    async with open_session(apps, path="/two") as s:
        assert s.find(name="hi").text == "hello "
    with pytest.raises(ValueError, match="serves 2 apps"):
        await open_session(apps)


async def test_query_arguments_reach_the_app() -> None:
    def app(doc: Document) -> None:
        assert doc.session_context is not None
        args = doc.session_context.request.arguments
        doc.add_root(Div(text=args["name"][0].decode(), name="who"))

    async with open_session(app, query={"name": "Ada"}) as s:
        assert s.find(name="who").text == "Ada"


async def test_an_app_that_raises_fails_the_open_with_its_error() -> None:
    def app(doc: Document) -> None:
        raise ValueError("no data file")

    with pytest.raises(PageError, match="no data file") as failed:
        await open_session(app)
    assert failed.value.status == 500


async def test_two_tabs_share_a_named_session() -> None:
    def app(doc: Document) -> None:
        doc.add_root(TextInput(title="Note", name="note"))

    async with (start_server(app) as server,
                server.open_session(session_id="shared") as a,
                server.open_session(session_id="shared") as b):
        assert a.id == b.id == "shared"
        await a.set(a.find(name="note"), value="from a")
        await a.settled()
        await b.settled()
        assert b.find(name="note").value == "from a"


async def test_closing_the_session_stops_its_server() -> None:
    s = await open_session(counter_app)
    server = s.server
    session = s.server_session
    await s.close()
    assert session.destroyed  # the server drained: sessions end with their hooks
    assert server.states()[0].draining


async def test_several_models_and_a_select_read_like_the_page() -> None:
    def app(doc: Document) -> None:
        doc.add_root(Column(
            Select(title="Colour", options=[("r", "Red"), ("g", "Green")], value="g"),
            Toggle(label="Bold", name="bold")))

    async with open_session(app) as s:
        await s.set(s.find(name="bold"), active=True)
        await s.settled()
        assert s.server_model(s.find(name="bold")).active is True  # type: ignore[attr-defined]
        assert s.text() == "Colour Green\nBold"


async def test_signed_sessions_and_other_options_pass_through() -> None:
    key = generate_secret_key()
    async with open_session(counter_app, session_ids="signed", secret_key=key,
                            lazy_sessions=True) as s:
        assert check_session_id_signature(s.id, key, signed=True)
        await s.click(s.find(label="Add one"))
        await s.settled()
        assert s.find(name="count").text == "1"
