"""Every property of every model refuses a wrong value with an error naming both."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pytest

import aioserve.models
from aioserve.document.model import Model
from aioserve.models import (
    Button,
    Card,
    Chart,
    Checkbox,
    Column,
    ColumnDataSource,
    DataTable,
    DatePicker,
    Div,
    FileInput,
    MultiSelect,
    NumberInput,
    Pane,
    RadioGroup,
    RangeSlider,
    Row,
    Select,
    Slider,
    Tabs,
    TextArea,
    TextInput,
    Toggle,
)

MODELS: list[type[Model]] = [getattr(aioserve.models, n) for n in aioserve.models.__all__]
ALL_PROPERTIES = [pytest.param(cls, name, id=f"{cls.__name__}.{name}")
                  for cls in MODELS for name in cls.__properties__]


class NotJson:
    """A value of no type any property accepts."""


@pytest.mark.parametrize(("cls", "name"), ALL_PROPERTIES)
def test_a_value_of_the_wrong_type_is_refused_naming_model_and_property(
        cls: type[Model], name: str) -> None:
    model = cls()
    before = model.to_json()
    with pytest.raises((TypeError, ValueError)) as caught:
        setattr(model, name, NotJson())
    assert str(caught.value).startswith(f"{cls.__name__}.{name}: ")
    assert model.to_json() == before


@pytest.mark.parametrize(("cls", "name"), ALL_PROPERTIES)
def test_the_constructor_validates_too(cls: type[Model], name: str) -> None:
    with pytest.raises((TypeError, ValueError), match=rf"^{cls.__name__}\.{name}: "):
        cls(**{name: NotJson()})


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_an_unknown_keyword_is_refused(cls: type[Model]) -> None:
    with pytest.raises(TypeError, match=rf"{cls.__name__} has no property 'colour'"):
        cls(colour="red")


# (model, property, a wrong value, the error type, words the message must contain)
WRONG_VALUES: list[tuple[type[Model], str, Any, type[Exception], str]] = [
    (Div, "text", 3, TypeError, "expected a str, got int"),
    (Div, "render_as_text", 1, TypeError, "expected a bool"),
    (Div, "width", -1, ValueError, "below the minimum 0"),
    (Div, "width", 1.5, TypeError, "expected an int"),
    (Div, "height", True, TypeError, "expected an int"),
    (Div, "sizing_mode", "stretch", ValueError, "'stretch_width'"),
    (Div, "css_classes", "big", TypeError, "expected a list"),
    (Div, "css_classes", ["ok", 3], TypeError, "expected a str"),
    (Div, "tags", [{1, 2}], TypeError, "expected a JSON value"),
    (Div, "tags", [math.nan], TypeError, "expected a JSON value"),
    (Div, "name", 5, TypeError, "expected a str"),
    (aioserve.models.Markdown, "text", None, TypeError, "expected a str"),
    (Button, "button_type", "loud", ValueError, "expected one of 'default'"),
    (Button, "disabled", "no", TypeError, "expected a bool"),
    (Toggle, "active", 1, TypeError, "expected a bool"),
    (Checkbox, "label", ["a"], TypeError, "expected a str"),
    (Slider, "value", "1", TypeError, "expected a number"),
    (Slider, "value", math.inf, ValueError, "finite"),
    (Slider, "step", -0.5, ValueError, "below the minimum"),
    (RangeSlider, "value", (5, 1), ValueError, "low 5 is above high 1"),
    (RangeSlider, "value", (1, 2, 3), TypeError, "(low, high) pair"),
    (RangeSlider, "value", "ab", TypeError, "(low, high) pair"),
    (RangeSlider, "value", (1, "2"), TypeError, "expected a number"),
    (TextInput, "value", "x" * 100_001, ValueError, "longer than 100000"),
    (TextArea, "rows", 0, ValueError, "below the minimum 1"),
    (NumberInput, "value", "3", TypeError, "expected a number"),
    (NumberInput, "step", -1, ValueError, "below the minimum"),
    (Select, "options", "abc", TypeError, "list of options"),
    (Select, "options", [("a", "b", "c")], TypeError, "(value, label) pair"),
    (Select, "options", [1], TypeError, "a str or a (value, label) pair"),
    (MultiSelect, "value", "a", TypeError, "expected a list"),
    (MultiSelect, "size", 0, ValueError, "below the minimum 1"),
    (RadioGroup, "active", -1, ValueError, "below the minimum 0"),
    (RadioGroup, "labels", [1], TypeError, "expected a str"),
    (DatePicker, "value", "2024-13-01", ValueError, "month must be in 1..12"),
    (DatePicker, "value", "yesterday", ValueError, "Invalid isoformat"),
    (DatePicker, "value", 20240101, TypeError, "expected a date"),
    (FileInput, "max_size", -1, ValueError, "below the minimum 0"),
    (FileInput, "multiple", "yes", TypeError, "expected a bool"),
    (Column, "children", [ColumnDataSource()], TypeError, "expected a Widget"),
    (Column, "children", Div(), TypeError, "expected a list"),
    (Column, "gap", -4, ValueError, "below the minimum 0"),
    (Row, "children", ["text"], TypeError, "expected a Widget"),
    (Tabs, "active", -1, ValueError, "below the minimum"),
    (Tabs, "titles", [None], TypeError, "expected a str"),
    (Card, "collapsed", None, TypeError, "expected a bool"),
    (ColumnDataSource, "data", {"x": [1, 2], "y": [1]}, ValueError, "equal lengths (x=2, y=1)"),
    (ColumnDataSource, "data", {"x": "abc"}, TypeError, "column 'x' must be a list"),
    (ColumnDataSource, "data", {1: [1]}, TypeError, "column names must be str"),
    (ColumnDataSource, "data", [1, 2], TypeError, "expected a dict of columns"),
    (ColumnDataSource, "selected", [-1], ValueError, "below the minimum 0"),
    (DataTable, "source", {"x": [1]}, TypeError, "expected a ColumnDataSource"),
    (DataTable, "columns", [{"title": "no field"}], TypeError, "a column is a field name"),
    (DataTable, "columns", "x", TypeError, "expected a list of columns"),
    (DataTable, "columns", [{"field": "t", "format": "datetme"}], ValueError,
     "format must be None or one of datetime, date, number"),
    (DataTable, "columns", [{"field": "t", "format": "number:21"}], ValueError,
     "(N: 0 to 20 decimals), got 'number:21'"),
    (DataTable, "columns", [{"field": "t", "format": 2}], ValueError, "column 't': format"),
    (DataTable, "columns", [{"field": "t", "width": 80}], ValueError,
     "unknown keys ['width']"),
    (DataTable, "sortable", "yes", TypeError, "expected a bool"),
    (ColumnDataSource, "column_types", {"x": "datetime"}, TypeError,
     "read-only, worked out from data"),
    (Chart, "series", [{"y": "v", "kind": "pie"}], ValueError, "series kind must be one of"),
    (Chart, "series", [{"kind": "line"}], TypeError, "a series is a column name"),
    (Chart, "series", [{"y": "v", "color": 3}], TypeError, "color and label must be str"),
    (Chart, "x_type", "log", ValueError, "'linear', 'datetime', 'category'"),
    (Chart, "y_min", "0", TypeError, "expected a number"),
    (Chart, "y_max", math.nan, ValueError, "finite"),
    (Pane, "mime", "application/pdf", ValueError, "expected one of 'text/html'"),
    (Pane, "data", b"raw", TypeError, "expected a str"),
]


@pytest.mark.parametrize(("cls", "name", "value", "error", "words"), [
    pytest.param(*case, id=f"{case[0].__name__}.{case[1]}={case[2]!r:.20}")
    for case in WRONG_VALUES])
def test_wrong_values_are_explained(cls: type[Model], name: str, value: Any,
                                    error: type[Exception], words: str) -> None:
    with pytest.raises(error) as caught:
        setattr(cls(), name, value)
    message = str(caught.value)
    assert message.startswith(f"{cls.__name__}.{name}: ")
    assert words in message


# (model, property, a value given, the value stored)
COERCED: list[tuple[type[Model], str, Any, Any]] = [
    (Slider, "value", 1, 1),
    (Div, "width", 200.0, 200),  # a whole float is an int
    (RangeSlider, "value", (0, 1), [0, 1]),
    (Select, "options", [("r", "Red"), "green"], [["r", "Red"], "green"]),
    (MultiSelect, "value", (), []),
    (DatePicker, "value", dt.date(2024, 2, 29), "2024-02-29"),
    (DatePicker, "value", dt.datetime(2024, 2, 29, 13, 5), "2024-02-29"),
    (DatePicker, "min_date", "2024-02-01", "2024-02-01"),
    (DataTable, "columns", ["a", {"field": "b"}],
     [{"field": "a", "title": "a"}, {"field": "b", "title": "b"}]),
    (DataTable, "columns", [{"field": "t", "title": "When", "format": "datetime"},
                            {"field": "n", "format": "number:2"}, {"field": "p", "format": None}],
     [{"field": "t", "title": "When", "format": "datetime"},
      {"field": "n", "title": "n", "format": "number:2"}, {"field": "p", "title": "p"}]),
    (Chart, "series", ["y"], [{"y": "y", "kind": "line", "color": None, "label": None}]),
    (ColumnDataSource, "data", {"x": range(3)}, {"x": [0, 1, 2]}),
    (Div, "tags", [{"any": ["json", 1, None]}], [{"any": ["json", 1, None]}]),
]


@pytest.mark.parametrize(("cls", "name", "value", "stored"), COERCED)
def test_values_are_stored_in_one_shape(cls: type[Model], name: str, value: Any,
                                        stored: Any) -> None:
    model = cls()
    setattr(model, name, value)
    assert getattr(model, name) == stored


# What the browser may set, and the checks made beyond the property's own type.
CLIENT_CHECKS: list[tuple[Model, str, Any, str]] = [
    (Slider(start=0, end=10), "value", 11, "outside [0, 10]"),
    (RangeSlider(start=0, end=10), "value", [-1, 5], "outside [0, 10]"),
    (NumberInput(low=0, high=5), "value", 6, "outside [0, 5]"),
    (Select(options=["a", ("b", "Bee")]), "value", "Bee", "not one of the options"),
    (MultiSelect(options=["a", "b"]), "value", ["a", "z"], "['z'] are not options"),
    (RadioGroup(labels=["x", "y"]), "active", 2, "no option 2"),
    (DatePicker(min_date="2024-01-01", max_date="2024-12-31"), "value", "2025-01-01",
     "outside the allowed dates"),
    (Tabs(("a", Div())), "active", 1, "no tab 1"),
    (ColumnDataSource(data={"x": [1, 2]}), "selected", [2], "index out of range (2 rows)"),
]


@pytest.mark.parametrize(("model", "attr", "value", "words"), CLIENT_CHECKS,
                         ids=lambda v: type(v).__name__ if isinstance(v, Model) else None)
def test_values_from_the_browser_are_checked_against_the_model(
        model: Model, attr: str, value: Any, words: str) -> None:
    assert model.__properties__[attr].settable
    validate = model.validate_client
    with pytest.raises(ValueError, match=re.escape(words)):
        validate(attr, model.__properties__[attr].check(model, value))


@pytest.mark.parametrize(("model", "attr", "value"), [
    (Slider(start=0, end=10), "value", 10),
    (NumberInput(), "value", None),
    (Select(options=[("b", "Bee")]), "value", "b"),
    (RadioGroup(labels=["x"]), "active", None),
    (DatePicker(), "value", None),
    (ColumnDataSource(data={"x": [1, 2]}), "selected", [0, 1]),
], ids=lambda v: type(v).__name__ if isinstance(v, Model) else None)
def test_values_in_range_pass_the_client_checks(model: Model, attr: str, value: Any) -> None:
    model.validate_client(attr, value)


def test_only_user_facing_values_are_settable_from_the_browser() -> None:
    settable = {f"{cls.__name__}.{name}" for cls in MODELS
                for name, prop in cls.__properties__.items() if prop.settable}
    assert settable == {
        "Toggle.active", "Checkbox.active", "Slider.value", "RangeSlider.value",
        "TextInput.value", "TextInput.value_input", "TextArea.value", "NumberInput.value",
        "Select.value", "MultiSelect.value", "RadioGroup.active", "DatePicker.value",
        "Tabs.active", "Card.collapsed", "ColumnDataSource.selected", "DataTable.sort",
        "DataTable.filter", "Chart.x_range", "Chart.y_range", "Chart.inner_width",
    }


# The same rules from Python: what the browser may not set, the app may not either,
# in the constructor (whatever the keyword order) and by assignment.
REFUSED_IN_PYTHON: list[tuple[Any, str]] = [
    (lambda: Slider(value=5, end=1), "Slider.value: 5 is outside [0.0, 1]"),
    (lambda: Slider(end=1, value=5), "Slider.value: 5 is outside [0.0, 1]"),
    (lambda: Select(options=["a", "b"], value="c"), "Select.value: 'c' is not one of the options"),
    (lambda: MultiSelect(options=["a"], value=["a", "z"]), "MultiSelect.value: ['z'] are not"),
    (lambda: RangeSlider(start=0, end=10, value=(2, 11)), "RangeSlider.value: [2, 11] is outside"),
    (lambda: NumberInput(low=0, high=5, value=6), "NumberInput.value: 6 is outside [0, 5]"),
    (lambda: RadioGroup(labels=["a"], active=3), "RadioGroup.active: no option 3"),
    (lambda: DatePicker(max_date="2024-01-31", value="2024-02-01"), "DatePicker.value: 2024-02-01"),
    (lambda: Tabs(("a", Div()), active=2), "Tabs.active: no tab 2"),
    (lambda: ColumnDataSource(data={"x": [1]}, selected=[4]), "ColumnDataSource.selected: [4]"),
    (lambda: Chart({"x": [1], "y": [2]}, y="nope"),
     "Chart.series: no column 'nope' in the source (it has: 'x', 'y')"),
    (lambda: Chart({"t": [1], "y": [2]}, y="y"), "Chart.x: no column 'x' in the source"),
]


@pytest.mark.parametrize(("build", "words"), REFUSED_IN_PYTHON, ids=lambda v: (
    v.split(":")[0] if isinstance(v, str) else None))
def test_python_refuses_what_the_browser_may_not_set(build: Any, words: str) -> None:
    with pytest.raises(ValueError) as caught:
        build()
    assert str(caught.value).startswith(words)


def test_an_assignment_out_of_range_is_refused_and_changes_nothing() -> None:
    slider = Slider(start=0, end=10, value=3)
    select = Select(options=["a", "b"], value="b")
    chart = Chart({"x": [1, 2], "y": [3, 4]}, y="y")
    for model, attr, value, words in [
            (slider, "value", 11, "Slider.value: 11 is outside [0, 10]"),
            (select, "value", "c", "Select.value: 'c' is not one of the options"),
            (chart, "x", "nope", "Chart.x: no column 'nope'"),
            (chart, "series", ["y", "nope"], "Chart.series: no column 'nope'"),
            (chart, "source", ColumnDataSource(data={"a": [1]}), "Chart.x: no column 'x'")]:
        before = model.to_json()
        with pytest.raises(ValueError, match=re.escape(words)):
            setattr(model, attr, value)
        assert model.to_json() == before


def test_values_within_the_rules_still_pass_in_python() -> None:
    assert Slider(start=10, end=20).value == 10  # the default 0 moves into the range
    assert RangeSlider(start=10, end=20).value == [10, 20]
    assert Select(options=[("r", "Red"), "g"]).value == "r"  # what the page shows first
    assert Select().value == ""  # no options yet: nothing chosen
    assert Tabs().active == 0
    chart = Chart(ColumnDataSource(data={}), x="t", y="v")  # columns come later
    chart.source.data = {"t": [1], "v": [2]}
    slider = Slider(start=0, end=10)
    slider.end = -5  # the bounds may move first; the value is checked when it is set
    slider.start = -10
    slider.value = -7
    assert slider.value == -7
