"""The text a page shows, read from the client's copy of the document.

It follows the browser renderers (aioserve/static/renderers/): a Div's HTML
without its tags, a button's label, a slider's title and formatted value, the
active tab only, nothing of a hidden model or a collapsed card's body. It is
what a user would read, not a screenshot: charts give only their title.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

from aioserve.client import ClientDocument, ClientModel

_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
               "table", "ul", "ol", "section", "article", "blockquote", "hr"}


def page_text(document: ClientDocument, model: ClientModel | None = None) -> str:
    """The visible text of `model` (the whole page when None), one block a line."""
    roots = [model] if model is not None else [
        document.models[r] for r in document.roots if r in document.models]
    lines = [line for root in roots for line in _lines(document, root)]
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())


def _lines(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    props = model.props
    if props.get("visible") is False:
        return
    render = _RENDERERS.get(model.type, _field)
    yield from render(doc, model)


def _children(doc: ClientDocument, refs: Any) -> Iterator[str]:
    for ref in refs or []:
        child = doc.models.get(ref["ref"]) if isinstance(ref, dict) else None
        if child is not None:
            yield from _lines(doc, child)


def _layout(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    yield from _children(doc, model.props.get("children"))


def _card(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    title = model.props.get("title") or ("Details" if model.props.get("collapsible") else "")
    yield title
    if not model.props.get("collapsed"):
        yield from _children(doc, model.props.get("children"))


def _tabs(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    children = model.props.get("children") or []
    titles = model.props.get("titles") or []
    yield " ".join(titles[i] if i < len(titles) else f"Tab {i + 1}" for i in range(len(children)))
    active = model.props.get("active", 0)
    if isinstance(active, int) and 0 <= active < len(children):
        yield from _children(doc, [children[active]])


def _div(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    text = model.props.get("text") or ""
    if model.props.get("render_as_text"):
        yield text
    else:
        yield from html_text(text).splitlines()


def _markdown(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    for line in (model.props.get("text") or "").splitlines():
        line = re.sub(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+\.\s+)", "", line)
        line = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", line)  # links and images
        yield re.sub(r"(\*\*|__|\*|_|`)(.+?)\1", r"\2", line)


def _pane(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    mime, data = model.props.get("mime"), model.props.get("data") or ""
    if mime == "text/html":
        yield from html_text(data).splitlines()
    elif mime == "text/markdown":
        yield from _markdown(doc, ClientModel(model.id, "Markdown", {"text": data}))
    elif mime == "text/plain":
        yield from data.splitlines()


def _label(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    yield str(model.props.get("label") or "")


def _slider(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    props = model.props
    value = props.get("value")
    shown = ""
    if props.get("show_value", True):
        if isinstance(value, list):
            shown = " – ".join(_number(v, props.get("step")) for v in value)
        else:
            shown = _number(value, props.get("step"))
    yield f"{props.get('title') or ''} {shown}"


def _choices(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    props = model.props
    labels = props.get("labels") or []
    active = props.get("active")
    chosen = labels[active] if isinstance(active, int) and 0 <= active < len(labels) else ""
    yield f"{props.get('title') or ''} {chosen}"


def _select(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    props = model.props
    labels = {o if isinstance(o, str) else o[0]: o if isinstance(o, str) else o[1]
              for o in props.get("options") or []}
    value = props.get("value")
    values = value if isinstance(value, list) else [value]
    yield f"{props.get('title') or ''} " + ", ".join(labels.get(v, str(v)) for v in values)


def _field(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    """A titled control: its title and its current value."""
    props = model.props
    value = props.get("value")
    parts = [props.get("title") or props.get("label") or "",
             "" if value is None or isinstance(value, (dict, list)) else str(value)]
    if model.type == "FileInput" and props.get("filename"):
        parts.append(f"Uploaded: {props['filename']}")
    yield " ".join(p for p in parts if p)


def _table(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    columns = model.props.get("columns") or []
    source_ref = model.props.get("source")
    source = doc.models.get(source_ref["ref"]) if isinstance(source_ref, dict) else None
    data = source.props.get("data", {}) if source is not None else {}
    types = source.props.get("column_types", {}) if source is not None else {}
    yield " | ".join(str(c.get("title") or c.get("field")) for c in columns)
    window = doc.windows.get(model.id)
    if window is not None:  # the rows fetched for it, as the page shows them
        data = window["data"]
    rows = max((len(v) for v in data.values()), default=0)
    for i in range(rows):
        yield " | ".join(_cell(data.get(c.get("field"), []), i,
                               c.get("format") or types.get(c.get("field"))) for c in columns)


def _cell(column: list[Any], index: int, fmt: str | None = None) -> str:
    """As the page's formatCell, numbers as an en-US reader sees them."""
    if index >= len(column) or column[index] is None:
        return ""
    value = column[index]
    kind, _, digits = (fmt or "").partition(":")
    if (not isinstance(value, (int, float)) or isinstance(value, bool)
            or not math.isfinite(value) or kind in ("", "text")):
        return str(value)
    if kind in ("datetime", "date"):
        when = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=value)
        if kind == "date":
            return when.strftime("%Y-%m-%d")
        millis = f".{when.microsecond // 1000:03d}" if when.microsecond >= 1000 else ""
        return when.strftime("%Y-%m-%d %H:%M:%S") + millis
    if kind == "percent":
        value, suffix = value * 100, "%"
    else:
        suffix = ""
    places = int(digits) if digits else (0 if kind == "percent" else 3)
    text = f"{value:,.{places}f}"
    if not digits and "." in text:  # Intl's default: up to 3 decimals, no trailing zeros
        text = text.rstrip("0").rstrip(".")
    return text + suffix


def _chart(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    yield str(model.props.get("title") or "")


def _nothing(doc: ClientDocument, model: ClientModel) -> Iterator[str]:
    return iter(())


def _number(value: Any, step: Any) -> str:
    """As the page's formatSliderValue: as many decimals as the step has."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return ""
    decimals = 2
    if isinstance(step, (int, float)) and math.isfinite(step):
        text = repr(abs(float(step)))
        decimals = int(text.split("e-")[1]) if "e-" in text else len(
            text.partition(".")[2].rstrip("0"))
    return f"{value:.{min(20, decimals)}f}"


_RENDERERS: dict[str, Callable[[ClientDocument, ClientModel], Iterator[str]]] = {
    "Column": _layout, "Row": _layout, "Card": _card, "Tabs": _tabs,
    "Div": _div, "Markdown": _markdown, "Pane": _pane,
    "Button": _label, "Toggle": _label, "Checkbox": _label,
    "Slider": _slider, "RangeSlider": _slider,
    "Select": _select, "MultiSelect": _select, "RadioGroup": _choices,
    "DataTable": _table, "Chart": _chart, "ColumnDataSource": _nothing,
}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The text of an HTML fragment, a line per block element."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    lines = ("".join(parser.parts)).splitlines()
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())
