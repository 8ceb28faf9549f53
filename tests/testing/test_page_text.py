"""What `page_text` reads from a document, model type by model type (as the renderers show it)."""

from __future__ import annotations

from typing import Any

import pytest

from aioserve.client import ClientDocument
from aioserve.testing import html_text, page_text


def doc_of(models: dict[str, tuple[str, dict[str, Any]]], roots: list[str]) -> ClientDocument:
    doc = ClientDocument()
    doc.load({"title": "t", "roots": roots,
              "models": {k: {"type": t, "props": p} for k, (t, p) in models.items()}})
    return doc


def one(type_: str, **props: Any) -> str:
    return page_text(doc_of({"m1": (type_, props)}, ["m1"]))


@pytest.mark.parametrize(("type_", "props", "shown"), [
    ("Div", {"text": "<p>Hello <b>there</b></p><p>again</p>"}, "Hello there\nagain"),
    ("Div", {"text": "<b>raw</b>", "render_as_text": True}, "<b>raw</b>"),
    ("Div", {"text": "a<script>x()</script> b &amp; c"}, "a b & c"),
    ("Div", {"text": "gone", "visible": False}, ""),
    ("Markdown", {"text": "# Title\n\nSome **bold** and [a link](http://x)"},
     "Title\nSome bold and a link"),
    ("Button", {"label": "Go"}, "Go"),
    ("Toggle", {"label": "Bold", "active": True}, "Bold"),
    ("Slider", {"title": "Frequency", "value": 1, "step": 0.1, "show_value": True},
     "Frequency 1.0"),
    ("Slider", {"title": "Count", "value": 3, "step": 1, "show_value": True}, "Count 3"),
    ("Slider", {"title": "Quiet", "value": 3, "step": 1, "show_value": False}, "Quiet"),
    ("RangeSlider", {"title": "Range", "value": [1, 2.5], "step": 0.5, "show_value": True},
     "Range 1.0 – 2.5"),
    ("TextInput", {"title": "Name", "value": "Ada"}, "Name Ada"),
    ("NumberInput", {"title": "N", "value": None}, "N"),
    ("Select", {"title": "Colour", "options": [["r", "Red"]], "value": "r"}, "Colour Red"),
    ("MultiSelect", {"title": "Tags", "options": ["a", "b", "c"], "value": ["a", "c"]},
     "Tags a, c"),
    ("RadioGroup", {"title": "Size", "labels": ["S", "L"], "active": 1}, "Size L"),
    ("Pane", {"mime": "text/plain", "data": "plain\ntext"}, "plain\ntext"),
    ("Pane", {"mime": "image/png", "data": "iVBOR"}, ""),
    ("Chart", {"title": "Sales"}, "Sales"),
])
def test_each_model_type(type_: str, props: dict[str, Any], shown: str) -> None:
    assert one(type_, **props) == shown


def test_layouts_show_children_in_order_tabs_only_the_active_one() -> None:
    doc = doc_of({
        "col": ("Column", {"children": [{"ref": "tabs"}, {"ref": "card"}]}),
        "tabs": ("Tabs", {"titles": ["One", "Two"], "active": 1,
                          "children": [{"ref": "a"}, {"ref": "b"}]}),
        "a": ("Div", {"text": "first"}),
        "b": ("Div", {"text": "second"}),
        "card": ("Card", {"title": "More", "collapsed": True, "collapsible": True,
                          "children": [{"ref": "c"}]}),
        "c": ("Div", {"text": "hidden inside"}),
    }, ["col"])
    assert page_text(doc) == "One Two\nsecond\nMore"
    assert page_text(doc, doc.models["a"]) == "first"


def test_a_table_shows_headers_and_rows_from_its_source() -> None:
    doc = doc_of({
        "t": ("DataTable", {"source": {"ref": "s"}, "columns": [
            {"field": "city", "title": "City"}, {"field": "temp", "title": "°C"}]}),
        "s": ("ColumnDataSource", {"data": {"city": ["Oslo", "Rome"], "temp": [4, None]}}),
    }, ["t"])
    assert page_text(doc) == "City | °C\nOslo | 4\nRome |"


def test_table_cells_read_as_the_page_formats_them() -> None:
    doc = doc_of({
        "t": ("DataTable", {"source": {"ref": "s"}, "columns": [
            {"field": "when", "title": "When"}, {"field": "day", "title": "Day"},
            {"field": "n", "title": "N", "format": "number:2"},
            {"field": "share", "title": "Share", "format": "percent:1"},
            {"field": "raw", "title": "Raw", "format": "text"}]}),
        "s": ("ColumnDataSource", {
            "data": {"when": [1709649000000.0], "day": [1709596800000.0], "n": [1234.5],
                     "share": [0.256], "raw": [0.5]},
            "column_types": {"when": "datetime", "day": "date"}}),
    }, ["t"])
    assert page_text(doc).splitlines()[1] == (
        "2024-03-05 14:30:00 | 2024-03-05 | 1,234.50 | 25.6% | 0.5")


def test_html_text_keeps_blocks_on_their_own_lines() -> None:
    assert html_text("<ul><li>a</li><li>b  c</li></ul>tail") == "a\nb c\ntail"
