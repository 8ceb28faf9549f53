"""Every input model, used in Chromium as a person would: its value reaches Python."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.async_api import Page, expect

from aioserve import Document
from aioserve.models import (
    Checkbox,
    Column,
    DatePicker,
    Div,
    FileInput,
    MultiSelect,
    NumberInput,
    RadioGroup,
    RangeSlider,
    Row,
    Select,
    TextArea,
    TextInput,
    Toggle,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")  # see conftest.py

Seen = dict[str, list[Any]]


def form_app(seen: Seen) -> Any:
    """Every input; each change is recorded in `seen` and echoed in a Div."""

    def app(doc: Document) -> None:
        echo = Div(text="", name="echo", render_as_text=True)
        inputs = {
            "toggle": (Toggle(label="Live updates"), "active"),
            "checkbox": (Checkbox(label="Show grid"), "active"),
            "radio": (RadioGroup(title="Size", labels=["Small", "Medium", "Large"], active=0),
                      "active"),
            "multi": (MultiSelect(title="Fruits", options=[("a", "Apple"), ("b", "Banana"),
                                                           ("c", "Cherry")], value=["a"]),
                      "value"),
            "range": (RangeSlider(title="Window", start=0, end=10, step=1, value=(2, 8)),
                      "value"),
            "number": (NumberInput(title="Count", value=3, low=0, high=100), "value"),
            "text": (TextInput(title="Name", placeholder="Ada"), "value"),
            "text_input": (None, "value_input"),
            "area": (TextArea(title="Notes", rows=3), "value"),
            "date": (DatePicker(title="Day", value=dt.date(2024, 5, 1)), "value"),
            "select": (Select(title="Colour", options=["red", "green", "blue"], value="red"),
                       "value"),
        }
        inputs["text_input"] = (inputs["text"][0], "value_input")

        def recorder(key: str) -> Any:
            def changed(attr: str, old: Any, new: Any) -> None:
                seen.setdefault(key, []).append(new)
                echo.text = f"{key} = {new!r}"
            return changed

        for key, (model, attr) in inputs.items():
            model.on_change(attr, recorder(key))
        controls = [m for k, (m, _) in inputs.items() if k != "text_input"]
        doc.add_root(Column(Row(*controls[:2]), *controls[2:], echo))

    return app


async def test_every_input_value_reaches_python(live: Any, page: Page,
                                                screenshot: Any) -> None:
    seen: Seen = {}
    server = await live({"/form": form_app(seen)})
    await server.open(page, "/form")
    echo = page.locator("[data-name=echo]")
    await screenshot(page, "inputs-before", full_page=True)

    await page.get_by_role("button", name="Live updates").click()
    await expect(echo).to_have_text("toggle = True")
    await expect(page.get_by_role("button", name="Live updates")).to_have_attribute(
        "aria-pressed", "true")

    await page.get_by_label("Show grid").check()
    await expect(echo).to_have_text("checkbox = True")

    await page.get_by_label("Large").check()
    await expect(echo).to_have_text("radio = 2")

    await page.get_by_label("Fruits").select_option(["b", "c"])
    await expect(echo).to_have_text("multi = ['b', 'c']")

    await page.get_by_label("Window minimum").fill("4")
    await expect(echo).to_have_text("range = [4, 8]")
    await page.get_by_label("Window maximum").focus()
    await page.keyboard.press("ArrowLeft")
    await expect(echo).to_have_text("range = [4, 7]")

    await page.get_by_label("Count").fill("42")
    await page.get_by_label("Count").press("Enter")
    await expect(echo).to_have_text("number = 42")

    await page.get_by_label("Name").press_sequentially("Grace")
    await expect(echo).to_have_text("text_input = 'Grace'")  # while typing
    await page.get_by_label("Name").press("Enter")
    await expect(echo).to_have_text("text = 'Grace'")

    await page.get_by_label("Notes").fill("line one\nline two")
    await page.get_by_label("Notes").blur()
    await expect(echo).to_have_text("area = 'line one\\nline two'")

    await page.get_by_label("Day").fill("2025-02-14")
    await page.get_by_label("Day").blur()
    await expect(echo).to_have_text("date = '2025-02-14'")

    await page.get_by_label("Colour").select_option("blue")
    await expect(echo).to_have_text("select = 'blue'")

    assert seen["toggle"] == [True]
    assert seen["checkbox"] == [True]
    assert seen["radio"] == [2]
    assert seen["multi"] == [["b", "c"]]
    assert seen["range"] == [[4, 8], [4, 7]]
    assert seen["number"] == [42]
    assert seen["text"] == ["Grace"]
    assert seen["text_input"][-1] == "Grace"
    assert seen["area"] == ["line one\nline two"]
    assert seen["date"] == ["2025-02-14"]
    assert seen["select"] == ["blue"]
    await screenshot(page, "inputs-after", full_page=True)


async def test_a_value_python_refuses_is_put_back(live: Any, page: Page) -> None:
    seen: Seen = {}
    server = await live({"/form": form_app(seen)})
    await server.open(page, "/form")
    count = page.get_by_label("Count")
    await count.fill("500")  # high is 100: the server refuses it
    await count.press("Enter")
    await expect(page.get_by_role("alert").filter(has_text="outside")).to_be_visible()
    await expect(count).to_have_value("3")
    assert "number" not in seen


def upload_app(uploads: list[tuple[str, bytes, str]]) -> Any:
    def app(doc: Document) -> None:
        files = FileInput(title="Data file", accept=".csv,.txt", max_size=1000)
        status = Div(text="nothing uploaded", name="status")

        def received(filename: str, content: bytes, mime_type: str) -> None:
            uploads.append((filename, content, mime_type))
            status.text = f"got {filename}: {len(content)} bytes"

        files.on_upload(received)
        doc.add_root(Column(files, status))

    return app


async def test_file_bytes_reach_a_python_callback(live: Any, page: Page,
                                                  screenshot: Any) -> None:
    uploads: list[tuple[str, bytes, str]] = []
    server = await live({"/upload": upload_app(uploads)})
    await server.open(page, "/upload")
    picker = page.locator(".aio-file-box")
    await expect(picker).to_have_text("No file chosen")
    content = bytes(range(256)) * 2 + b"x,y\n1,2\n"  # not text: every byte must survive
    await page.get_by_label("Data file").set_input_files(
        files=[{"name": "data.csv", "mimeType": "text/csv", "buffer": content}])
    await expect(page.get_by_text(f"got data.csv: {len(content)} bytes")).to_be_visible()
    # Right after the upload the box names the file; the browser's own "No file chosen"
    # (its input was cleared so the same file can be chosen again) is not shown.
    await expect(picker).to_have_text("Uploaded: data.csv")
    assert await page.get_by_label("Data file").evaluate(
        "el => getComputedStyle(el).color") == "rgba(0, 0, 0, 0)"
    assert uploads == [("data.csv", content, "text/csv")]
    model = server.session("/upload").document.select_one(type=FileInput)
    assert (model.filename, model.value) == ("data.csv", content)
    await screenshot(page, "file-uploaded")


async def test_an_oversize_file_is_refused_with_a_notice(live: Any, page: Page,
                                                         screenshot: Any) -> None:
    uploads: list[tuple[str, bytes, str]] = []
    server = await live({"/upload": upload_app(uploads)})
    await server.open(page, "/upload")
    await page.get_by_label("Data file").set_input_files(
        files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": b"x" * 5000}])
    notice = page.get_by_role("alert").filter(has_text="big.csv")
    await expect(notice).to_contain_text("too large")
    await expect(notice).to_contain_text("1000 B")
    await screenshot(page, "file-too-large")
    assert uploads == []
    # The page goes on: a file under the limit still arrives.
    await page.get_by_label("Data file").set_input_files(
        files=[{"name": "small.txt", "mimeType": "text/plain", "buffer": b"ok"}])
    await expect(page.get_by_text("got small.txt: 2 bytes")).to_be_visible()
    assert server.session("/upload").document is not None


async def test_a_file_over_the_websocket_limit_is_refused(live: Any, page: Page) -> None:
    """max_size is generous but the server's message limit is not: the page refuses the
    file itself, with a notice naming the server's limit, and stays connected."""
    uploads: list[tuple[str, bytes, str]] = []

    def app(doc: Document) -> None:
        upload_app(uploads)(doc)
        doc.select_one(type=FileInput).max_size = 10 * 1024 * 1024

    server = await live({"/upload": app}, websocket_max_message_size_bytes=20_000)
    await server.open(page, "/upload")
    session_id = server.session("/upload").id
    await page.get_by_label("Data file").set_input_files(
        files=[{"name": "huge.bin", "mimeType": "application/octet-stream",
                "buffer": b"\0" * 50_000}])
    # The page knows the server's limit (from the ack) and never sends the file.
    notice = page.get_by_role("alert").filter(has_text="huge.bin")
    await expect(notice).to_contain_text("too large (49 KB); the server takes files up to 13 KB")
    assert await page.locator("#aioserve-status").get_attribute("data-state") == "connected"
    await page.get_by_label("Data file").set_input_files(
        files=[{"name": "fits.bin", "mimeType": "application/octet-stream",
                "buffer": b"\1" * 13_000}])
    await expect(page.get_by_text("got fits.bin: 13000 bytes")).to_be_visible()
    assert [u[0] for u in uploads] == ["fits.bin"]
    assert [s.id for s in server.sessions("/upload")] == [session_id]
    assert len(server.session("/upload").connections) == 1  # never dropped
