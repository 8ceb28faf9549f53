"""aioserve.client against a real `aioserve serve` process, from other Python processes."""

from __future__ import annotations

import asyncio
import json
import re
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from aioserve.client import ClientDocument, ClientError, ClientSession, PageError, SessionClosed

if TYPE_CHECKING:
    from conftest import CliServer, StartServer

APP = """\
from aioserve import curdoc
from aioserve.models import Button, Column, ColumnDataSource, DataTable, Div, Slider, TextInput

doc = curdoc()
slider = Slider(title="Size", start=0, end=10, step=1, value=1, name="size")
label = Div(text="size 1", name="label")
note = TextInput(title="Note", name="note")
count = Div(text="0", name="count")
add = Button(label="Add", name="add")
rows = ColumnDataSource(data={"n": [0]}, name="rows")
grow = Button(label="Grow", name="grow")

slider.on_change("value", lambda attr, old, new: setattr(label, "text", f"size {new:g}"))
add.on_click(lambda: setattr(count, "text", str(int(count.text) + 1)))
grown = [0]


def grow_once():
    grown[0] += 1
    rows.stream({"n": [grown[0]]}, rollover=3)


grow.on_click(grow_once)
doc.title = "Shared"
table = DataTable(source=rows, columns=[{"field": "n", "title": "N"}])
doc.add_root(Column(slider, label, note, add, count, grow, table))
"""

BROKEN = "raise RuntimeError('no database')\n"

# A separate Python process that joins the named session, clicks "Add" once, and waits
# until it has seen every process's click arrive as patches.
CHILD = textwrap.dedent("""
    import asyncio, json, sys
    from aioserve.client import ClientSession

    async def main(url, session_id, expected):
        async with ClientSession.open(url, session_id=session_id) as session:
            print("joined", flush=True)
            await session.click(session.document.find(name="add"))
            await session.wait_for(
                lambda doc: int(doc.find(name="count").text) >= expected, timeout=30)
            patches = sum(1 for m in session.messages if m["type"] == "patch")
            print(json.dumps({"count": session.document.find(name="count").text,
                              "note": session.document.find(name="note").value,
                              "patches": patches}), flush=True)

    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
""")


@pytest.fixture
def server(cli_server: StartServer, tmp_path: Path) -> CliServer:
    (tmp_path / "shared.py").write_text(APP)
    (tmp_path / "broken.py").write_text(BROKEN)
    return cli_server("shared.py", "broken.py", apps=2, timeout=60)


def url_of(server: CliServer, name: str) -> str:
    return next(u for u in server.app_urls if u.endswith("/" + name))


async def test_pulls_the_document(server: CliServer) -> None:
    async with await ClientSession.open(url_of(server, "shared")) as session:  # also fine
        doc = session.document
        assert doc.title == "Shared"
        assert session.seq == 1  # the document as first built
        assert doc.find(type="Slider").value == 1
        assert doc.find(label="Add").id == doc.find(name="add").id
        assert [m.type for m in doc.reachable()][:3] == ["Column", "Slider", "Div"]
        assert doc.find(name="rows").data == {"n": [0]}
        assert session.messages[0]["type"] == "ack" and session.messages[1]["type"] == "doc"


async def test_changes_models_and_receives_the_callbacks_patches(server: CliServer) -> None:
    async with ClientSession.open(url_of(server, "shared")) as session:
        seen: list[list[dict[str, Any]]] = []
        session.on_patch(seen.append)
        size = session.document.find(name="size")
        await session.set(size, "value", 7)
        assert size.value == 7  # the page shows its own change at once
        await session.wait_for(lambda doc: doc.find(name="label").text == "size 7")
        assert {"kind": "set", "model": session.document.find(name="label").id,
                "attr": "text", "value": "size 7"} in [e for events in seen for e in events]
        # The server does not echo the sender's own change back.
        assert not any(e.get("model") == size.id for events in seen for e in events)


async def test_stream_patches_apply_with_rollover(server: CliServer) -> None:
    async with ClientSession.open(url_of(server, "shared")) as session:
        for _ in range(4):
            await session.click(session.document.find(name="grow"))
        await session.wait_for(lambda doc: doc.find(name="rows").data["n"][-1] == 4)
        assert session.document.find(name="rows").data["n"] == [2, 3, 4]
        assert any(e["kind"] == "stream" for m in session.messages if m["type"] == "patch"
                   for e in m["events"])


async def test_refused_changes_raise_and_change_nothing(server: CliServer) -> None:
    async with ClientSession.open(url_of(server, "shared")) as session:
        label = session.document.find(name="label")
        with pytest.raises(ClientError) as refused:
            await session.set(label, "text", "forged")
        assert refused.value.code == "read_only" and label.text == "size 1"
        with pytest.raises(ClientError) as unknown:
            await session.send({"type": "set", "model": "m999999", "attr": "value",
                                "value": 1})
        assert unknown.value.code == "unknown_model"
        await session.wait_quiet(0.1)
        async with ClientSession.open(url_of(server, "shared"),
                                            session_id=session.id) as again:
            assert again.document.find(name="label").text == "size 1"


async def test_a_broken_app_is_a_page_error(server: CliServer) -> None:
    # The server keeps the app's error private: the client gets its id, the log the rest.
    with pytest.raises(PageError, match=r"Error id ([0-9a-f]{8})") as failed:
        await ClientSession.open(url_of(server, "broken"))
    assert failed.value.status == 500 and "no database" not in str(failed.value)
    error_id = re.search(r"Error id ([0-9a-f]{8})", str(failed.value))
    assert error_id is not None
    await server.await_for(rf"Error building a session of /broken \(error id {error_id[1]}\)")


async def test_find_explains_what_it_did_not_find() -> None:
    doc = ClientDocument()
    doc.load({"title": "", "roots": ["a"], "models": {
        "a": {"type": "Div", "props": {"name": "x", "text": ""}},
        "b": {"type": "Div", "props": {"name": "gone", "text": ""}}}})  # not on the page
    with pytest.raises(LookupError, match=r"no model matching name='gone'.*Div 'x' \(a\)"):
        doc.find(name="gone")


async def test_processes_sharing_a_named_session_see_each_others_changes(
        server: CliServer) -> None:
    url = url_of(server, "shared")
    children = 3
    async with ClientSession.open(url, session_id="team-room") as watcher:
        await watcher.set(watcher.document.find(name="note"), "value", "from the parent")
        procs = [await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, url, "team-room", str(children),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            for _ in range(children)]
        try:
            results = await asyncio.wait_for(
                asyncio.gather(*(p.communicate() for p in procs)), 60)
        finally:
            for proc in procs:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
        patches = []
        for proc, (out, err) in zip(procs, results, strict=True):
            assert proc.returncode == 0, err.decode()
            report = json.loads(out.decode().splitlines()[-1])
            assert report["count"] == str(children)
            assert report["note"] == "from the parent"  # the parent's change reached them
            patches.append(report["patches"])
        # The first child to join saw every click, its own and the others', as a patch.
        assert max(patches) >= children
        # ...and theirs reached the parent, as patches.
        await watcher.wait_for(lambda doc: doc.find(name="count").text == str(children))
        assert watcher.id == "team-room"


async def test_a_server_going_away_closes_with_1001(server: CliServer) -> None:
    session = await ClientSession.open(url_of(server, "shared"))
    try:
        await server.astop()
        with pytest.raises(SessionClosed) as closed:
            await session.wait_for(lambda doc: False, timeout=15)
        assert closed.value.code == 1001
        with pytest.raises(SessionClosed):
            await session.click(session.document.find(name="add"))
    finally:
        await session.close()
