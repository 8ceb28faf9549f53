"""Every property a browser may set, and every event it may send, on every model type,
gets the same hostile values: each is answered `ok` or `error`, an accepted value is
exactly what the document then holds, a refused one changes nothing, and the
connection and the log stay clean."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import Any

import aiohttp

import aioserve.models as models
from aioserve.document.document import Document
from aioserve.document.model import Model
from aioserve.models import (
    Button,
    Card,
    Checkbox,
    Column,
    ColumnDataSource,
    DataTable,
    DatePicker,
    FileInput,
    MultiSelect,
    NumberInput,
    RadioGroup,
    RangeSlider,
    Select,
    Slider,
    Tabs,
    TextArea,
    TextInput,
    Toggle,
)

HOSTILE = [
    '"x"', '""', "0", "-1", "1", "2", "1.5", "-0.0", "2147483648", "1" + "0" * 400,
    "1e308", "-1e308", "1e-320", "NaN", "Infinity", "true", "false", "null",
    "[]", "[1]", "[99]", "[-1]", "[1, 2]", "[2, 1]", "[0, 1]", "[[1, 2]]", '["a"]',
    '["a", "a"]', "[null]",
    '{"a": 1}', "{}", '"2024-01-01"', '"2024-02-30"', '"9999-99-99"', '"2024-01-01T00:00"',
    '"<script>alert(1)</script>"', '"\\u0000"', '"\\ud800"', json.dumps("y" * 200_000),
    json.dumps(list(range(50_000))), "[" * 500 + "]" * 500,
]
UPLOADS = [None, 3, "x", {}, {"filename": 1, "content": ""},
           {"filename": "a.txt", "mime_type": "text/plain", "content": "not base64!"},
           {"filename": "a.txt", "mime_type": "text/plain",
            "content": base64.b64encode(b"x" * 2_000_000).decode()},
           {"filename": "../../etc/passwd", "mime_type": "text/plain",
            "content": base64.b64encode(b"fine").decode()}]


def every_model(doc: Document) -> None:
    source = ColumnDataSource(data={"a": [1, 2, 3]})
    doc.add_root(Column(
        Button(), Card(children=[Checkbox()]), Checkbox(), DataTable(source=source),
        DatePicker(), FileInput(max_size=1_000_000), MultiSelect(options=["a", "b"]),
        NumberInput(low=0, high=10), RadioGroup(labels=["a", "b"]), RangeSlider(),
        Select(options=["a", "b"], value="a"), Slider(), Tabs(titles=["one"], children=[Toggle()]),
        TextArea(), TextInput(), Toggle()))


def _settable(doc_json: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(model id, type, attr) of every client-settable property on the page."""
    found = []
    for model_id, spec in doc_json["models"].items():
        cls: type[Model] = getattr(models, spec["type"])
        found += [(model_id, spec["type"], attr) for attr, prop in cls.__properties__.items()
                  if prop.settable]
    return found


async def test_hostile_values_for_every_settable_property(start, caplog) -> None:
    caplog.set_level(logging.INFO)
    served = await start({"/app": every_model})
    page = await served.page("/app")
    ws = await served.handshake(page.ws_path, page.token, origin=served.origin)

    async def answer() -> dict[str, Any]:
        while True:
            frame = await asyncio.wait_for(ws.receive(), 10)
            assert frame.type is aiohttp.WSMsgType.TEXT, (frame.type, frame.data)
            message = json.loads(frame.data)
            if message["type"] in ("ok", "error", "doc"):
                return message  # type: ignore[no-any-return]

    assert json.loads((await ws.receive(timeout=10)).data)["type"] == "ack"
    await ws.send_str('{"type": "pull"}')
    doc = (await answer())["doc"]
    targets = _settable(doc)
    assert {t for _, t, _ in targets} >= {"Slider", "DatePicker", "Tabs", "ColumnDataSource"}
    expected = {(mid, attr): doc["models"][mid]["props"][attr] for mid, _, attr in targets}
    sent = 0
    for model_id, kind, attr in targets:
        for raw in HOSTILE:
            sent += 1
            await ws.send_str(f'{{"type": "set", "id": {sent}, "model": "{model_id}", '
                              f'"attr": "{attr}", "value": {raw}}}')
            reply = await answer()
            assert reply["reply_to"] == sent, (kind, attr, raw[:40], reply)
            if reply["type"] == "ok":
                expected[(model_id, attr)] = json.loads(raw)
            await asyncio.sleep(0.0015)  # stay under the flood limit
    for model_id in (mid for mid, spec in doc["models"].items() if spec["type"] == "FileInput"):
        for data in UPLOADS:
            sent += 1
            await ws.send_str(json.dumps({"type": "event", "id": sent, "model": model_id,
                                          "event": "upload", "data": data}))
            assert (await answer())["reply_to"] == sent
    await ws.close()

    again = await served.handshake(page.ws_path, page.token, origin=served.origin)
    assert json.loads((await again.receive(timeout=10)).data)["type"] == "ack"
    await again.send_str('{"type": "pull"}')
    after = json.loads((await again.receive(timeout=10)).data)["doc"]["models"]
    await again.close()
    for (model_id, attr), value in expected.items():
        assert after[model_id]["props"][attr] == value, (after[model_id]["type"], attr)
    problems = [r.getMessage() for r in caplog.records
                if r.exc_info or r.levelno >= logging.ERROR]
    assert not problems, problems
