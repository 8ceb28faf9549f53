"""What each model sends to the browser (`to_json`, docs/protocol.md)."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pytest

import aioserve.models
from aioserve.document.model import Model
from aioserve.models import (
    Button,
    Card,
    Chart,
    Column,
    ColumnDataSource,
    DataTable,
    DatePicker,
    Div,
    FileInput,
    Pane,
    RangeSlider,
    Row,
    Select,
    Slider,
    Tabs,
)

MODELS: list[type[Model]] = [getattr(aioserve.models, n) for n in aioserve.models.__all__]


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_every_model_sends_its_type_and_every_property(cls: type[Model]) -> None:
    model = cls()
    sent = model.to_json()
    assert sent["type"] == cls.__name__
    assert set(sent["props"]) == set(cls.__properties__)
    # Strict JSON: what the session sends must never hold NaN, sets or objects.
    assert json.loads(json.dumps(sent, allow_nan=False)) == sent


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_defaults_are_not_shared_between_models(cls: type[Model]) -> None:
    a, b = cls(), cls()
    a.tags = ["mine"]
    assert b.tags == [] and a.id != b.id
    for name, prop in cls.__properties__.items():
        if isinstance(prop.default, (list, dict)):
            assert getattr(a, name) is not getattr(b, name) or name == "tags"


def test_common_properties_have_their_documented_defaults() -> None:
    props = Div().to_json()["props"]
    assert props == {"name": None, "tags": [], "visible": True, "width": None, "height": None,
                     "sizing_mode": None, "css_classes": [], "text": "",
                     "render_as_text": False}
    assert Button().to_json()["props"]["disabled"] is False


def test_layouts_refer_to_their_children_by_id() -> None:
    a, b = Div(text="a"), Slider()
    column = Column(a, Row(b), gap=4)
    sent = column.to_json()["props"]
    assert sent["children"][0] == {"ref": a.id}
    assert sent["gap"] == 4
    assert list(column.references()) == [a, column.children[1]]
    tabs = Tabs(("A", a), ("B", b), active=1)
    sent = tabs.to_json()["props"]
    assert (sent["titles"], sent["children"], sent["active"]) == (
        ["A", "B"], [{"ref": a.id}, {"ref": b.id}], 1)
    card = Card(a, title="More", collapsed=True)
    assert card.to_json()["props"]["children"] == [{"ref": a.id}]
    assert card.to_json()["props"]["title"] == "More"


def test_tables_and_charts_refer_to_their_source() -> None:
    source = ColumnDataSource(data={"x": [1, 2], "y": [3.5, 4]})
    table = DataTable(source=source)
    chart = Chart(source=source, y="y", kind="bar", color="#f00", label="Y")
    assert table.to_json()["props"]["source"] == {"ref": source.id}
    assert table.to_json()["props"]["columns"] == [{"field": "x", "title": "x"},
                                                   {"field": "y", "title": "y"}]
    assert chart.to_json()["props"]["source"] == {"ref": source.id}
    assert chart.to_json()["props"]["series"] == [
        {"y": "y", "kind": "bar", "color": "#f00", "label": "Y"}]
    assert list(table.references()) == [source]


def test_a_table_or_chart_makes_its_own_source_from_rows_or_columns() -> None:
    table = DataTable([{"city": "Oslo", "temp": 4}, {"city": "Lima"}])
    assert table.source.data == {"city": ["Oslo", "Lima"], "temp": [4, None]}
    chart = Chart({"x": [1, 2], "y": [5, 6]}, y="y")
    assert chart.source.data == {"x": [1, 2], "y": [5, 6]}
    with pytest.raises(TypeError, match=r"^DataTable\.source: .*one dict per row"):
        DataTable([1, 2])
    with pytest.raises(ValueError, match=r"^Chart\.source: columns must have equal lengths"):
        Chart({"x": [1], "y": []})
    with pytest.raises(TypeError, match=r"^Chart\.source: expected a ColumnDataSource, a dict"):
        Chart(42)


def test_a_dataframe_becomes_columns() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"when": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                          "value": [1.5, math.nan], "n": [1, 2]})
    table = DataTable(frame)
    assert [c["field"] for c in table.columns] == ["when", "value", "n"]
    sent = table.source.to_json()["props"]["data"]
    assert sent == {"when": [1704067200000.0, 1704153600000.0], "value": [1.5, None],
                    "n": [1, 2]}
    json.dumps(sent, allow_nan=False)


@pytest.mark.parametrize(("value", "sent"), [
    (1, 1), (2.5, 2.5), ("text", "text"), (True, True), (None, None),
    (math.nan, None), (math.inf, None),
    (dt.datetime(1970, 1, 1, 0, 0, 1), 1000.0),
    (dt.datetime(1970, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))), 0.0),
    (dt.date(1970, 1, 2), 86_400_000.0),
])
def test_column_values_are_sent_as_json(value: Any, sent: Any) -> None:
    source = ColumnDataSource(data={"c": [value]})
    assert source.to_json()["props"]["data"] == {"c": [sent]}


@pytest.mark.parametrize(("column", "sent"), [
    ([1, 2.5, 3], [1, 2.5, 3]),
    ([0.5, math.nan, -math.inf], [0.5, None, None]),
    ([2**70, 0.5], [2**70, 0.5]),  # an int past a float's range is still sent as it is
    ([2**1100, math.nan], [2**1100, None]),
    ([1, True, None], [1, True, None]),
    ([], []),
])
def test_whole_columns_are_sent_as_json(column: list[Any], sent: list[Any]) -> None:
    source = ColumnDataSource(data={"c": column})
    data = source.to_json()["props"]["data"]
    assert data == {"c": sent}
    assert data["c"] is not source.data["c"]  # a later in-place change must not leak in


def test_numpy_values_are_sent_as_plain_numbers() -> None:
    np = pytest.importorskip("numpy")
    source = ColumnDataSource(data={"a": np.arange(3), "b": np.array([0.5, np.nan, 2])})
    assert type(source.data["a"]) is np.ndarray  # kept as arrays (tests/models/test_arrays.py)
    assert source.to_json()["props"]["data"] == {"a": [0, 1, 2], "b": [0.5, None, 2.0]}


def test_the_gaps_of_nullable_pandas_columns_are_empty_cells() -> None:
    """pd.NA (Int64, boolean, string columns, as `convert_dtypes()` makes them) and
    NaT go as empty cells, like NaN: a DataFrame read that way is served as it is."""
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"n": [1, None, 3], "ok": [True, None, False],
                          "s": ["a", None, "c"],
                          "t": [pd.Timestamp("2026-01-01"), pd.NaT, pd.NaT]}).convert_dtypes()
    assert str(frame["n"].dtype) == "Int64" and frame["s"].dtype.name == "string"
    data = ColumnDataSource(data=frame).to_json()["props"]["data"]
    assert data == {"n": [1, None, 3], "ok": [True, None, False], "s": ["a", None, "c"],
                    "t": [1767225600000.0, None, None]}
    table = DataTable(source=ColumnDataSource(data=frame), columns=["n", "s"])
    rows = table.fetch_rows(0, 3)
    assert rows["data"]["n"] == [1, None, 3] and rows["data"]["s"] == ["a", None, "c"]


def test_a_column_value_that_cannot_be_sent_is_refused_when_sent() -> None:
    source = ColumnDataSource(data={"c": [object()]})
    with pytest.raises(TypeError, match="cannot send a object value"):
        source.to_json()


def test_inputs_send_their_values() -> None:
    assert RangeSlider(start=0, end=5, value=(1, 2)).to_json()["props"]["value"] == [1, 2]
    assert Select(options=[("r", "Red")], value="r").to_json()["props"]["options"] == [
        ["r", "Red"]]
    assert DatePicker(value=dt.date(2024, 5, 1)).to_json()["props"]["value"] == "2024-05-01"


def test_a_file_input_never_sends_the_file_back() -> None:
    files = FileInput()
    files.client_event("upload", {"filename": "a.bin", "mime_type": "x/y",
                                  "content": "AAEC"})
    assert files.value == b"\x00\x01\x02"
    sent = files.to_json()["props"]
    assert "value" not in sent and sent["filename"] == "a.bin" and sent["mime_type"] == "x/y"


class Html:
    def _repr_html_(self) -> str:
        return "<b>hi</b>"


class Both:
    def _repr_html_(self) -> str:
        return "<i>html wins</i>"

    def _repr_markdown_(self) -> str:
        return "*markdown*"


class Png:
    def _repr_png_(self) -> bytes:
        return b"\x89PNG\r\n"


class Bundle:
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        return {"image/svg+xml": "<svg/>", "text/plain": "plain"}, {}


class JpegWithMetadata:
    def _repr_jpeg_(self) -> tuple[bytes, dict[str, Any]]:
        return b"\xff\xd8", {"width": 10}


class Nothing:
    def __repr__(self) -> str:
        return "<Nothing>"


@pytest.mark.parametrize(("obj", "mime", "data"), [
    (Html(), "text/html", "<b>hi</b>"),
    (Both(), "text/html", "<i>html wins</i>"),
    (Png(), "image/png", "iVBORw0K"),
    (Bundle(), "image/svg+xml", "<svg/>"),
    (JpegWithMetadata(), "image/jpeg", "/9g="),
    (Nothing(), "text/plain", "<Nothing>"),
    ("just text", "text/plain", "'just text'"),
])
def test_a_pane_shows_what_a_notebook_would(obj: Any, mime: str, data: str) -> None:
    pane = Pane(obj)
    assert (pane.mime, pane.data) == (mime, data)
    assert pane.object is obj
    assert pane.to_json()["props"]["mime"] == mime


def test_a_pane_follows_a_new_object() -> None:
    pane = Pane(Html())
    pane.object = Png()
    assert pane.mime == "image/png"


def test_a_matplotlib_figure_is_shown_as_svg() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2, 1))
    figure.subplots().plot([1, 2, 3])
    pane = Pane(figure)
    assert pane.mime == "image/svg+xml"
    assert pane.data.lstrip().startswith("<?xml") and "<svg" in pane.data
