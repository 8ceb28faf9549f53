"""Controls the user changes: buttons, sliders, text, choices, dates, files."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
from typing import Any

from aioserve.document.model import Event, EventCallback, Input
from aioserve.document.properties import (
    Bool,
    Enum,
    Float,
    Int,
    List,
    Nullable,
    Property,
    String,
)

_BUTTON_TYPES = ("default", "primary", "success", "warning", "danger")


class Button(Input):
    """A push button; `on_click(cb)` runs `cb()` (or `cb(event)`) on each click.

    >>> b = Button(label="Go", button_type="primary")
    >>> b.on_click(lambda: print("clicked"))
    """

    __events__ = ("click",)
    label = String("Button", help="The text on the button")
    button_type = Enum(*_BUTTON_TYPES, help="Its colour: what the button does")

    def on_click(self, callback: EventCallback) -> None:
        self.on_event("click", callback)


class Toggle(Input):
    """A button that stays pressed: `active` is True while it is.

    >>> Toggle(label="Live").active
    False
    """

    label = String("Toggle", help="The text on the button")
    button_type = Enum(*_BUTTON_TYPES, help="Its colour: what the button does")
    active = Bool(False, settable=True, help="True while pressed")


class Checkbox(Input):
    """One labelled checkbox; `active` is True when ticked.

    >>> Checkbox(label="Show grid", active=True).active
    True
    """

    label = String("", help="The text beside the box")
    active = Bool(False, settable=True, help="True while ticked")


class Slider(Input):
    """A number chosen between `start` and `end` in steps of `step`.

    >>> Slider(title="Frequency", start=0.1, end=5, step=0.1, value=1).value
    1
    """

    title = String("", help="The label above the slider")
    start = Float(0.0, help="The smallest value")
    end = Float(1.0, help="The largest value")
    step = Float(0.1, low=0, help="The distance between values (0: any value)")
    value = Float(0.0, settable=True, help="The chosen value")
    show_value = Bool(True, help="Show the value beside the title")

    def __init__(self, **kwargs: Any) -> None:
        if "value" not in kwargs:  # the default 0 moved into [start, end], not refused
            start, end = kwargs.get("start", 0.0), kwargs.get("end", 1.0)
            if _numbers(start, end) and start <= end:
                kwargs["value"] = min(max(0.0, start), end)
        super().__init__(**kwargs)

    def validate_client(self, attr: str, value: Any) -> None:
        if not self.start <= value <= self.end:
            raise ValueError(f"Slider.value: {value} is outside [{self.start}, {self.end}]")


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


class _NumberPair(Property[list[float]]):
    type_name = "[float, float]"

    def validate(self, value: Any) -> list[float]:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
            raise TypeError(f"expected a (low, high) pair, got {value!r:.60}")
        low, high = (Float().validate(v) for v in value)
        if low > high:
            raise ValueError(f"low {low} is above high {high}")
        return [low, high]


class RangeSlider(Input):
    """A (low, high) range chosen between `start` and `end`.

    >>> RangeSlider(start=0, end=10, value=(2, 5)).value
    [2, 5]
    """

    title = String("", help="The label above the slider")
    start = Float(0.0, help="The smallest value")
    end = Float(1.0, help="The largest value")
    step = Float(0.1, low=0, help="The distance between values (0: any value)")
    value = _NumberPair([0.0, 1.0], settable=True, help="The chosen [low, high]")

    def __init__(self, **kwargs: Any) -> None:
        if "value" not in kwargs:  # the default (0, 1) becomes the whole range when outside
            start, end = kwargs.get("start", 0.0), kwargs.get("end", 1.0)
            if _numbers(start, end) and start <= end and not (start <= 0 and end >= 1):
                kwargs["value"] = [start, end]
        super().__init__(**kwargs)

    def validate_client(self, attr: str, value: Any) -> None:
        if value[0] < self.start or value[1] > self.end:
            raise ValueError(f"RangeSlider.value: {value} is outside [{self.start}, {self.end}]")


class TextInput(Input):
    """One line of text. `value` changes on Enter or blur; `value_input` on each key.

    >>> TextInput(title="Name", placeholder="Ada").value
    ''
    """

    title = String("", help="The label above the box")
    value = String("", settable=True, max_length=100_000,
                   help="The text, as of the last Enter or leaving the box")
    value_input = String("", settable=True, max_length=100_000, help="The text as it is typed")
    placeholder = String("", help="Shown greyed out while the box is empty")


class TextArea(Input):
    """Several lines of text.

    >>> TextArea(title="Notes", rows=4).rows
    4
    """

    title = String("", help="The label above the box")
    value = String("", settable=True, max_length=1_000_000, help="The text, as of leaving the box")
    placeholder = String("", help="Shown greyed out while the box is empty")
    rows = Int(3, low=1, help="Visible lines of text")


class NumberInput(Input):
    """A number typed in a box, optionally bounded by `low` and `high`.

    >>> NumberInput(title="Count", value=3, low=0).value
    3
    """

    title = String("", help="The label above the box")
    value = Nullable(Float(), settable=True, help="The number (None: empty)")
    low = Nullable(Float(), help="The smallest number accepted (None: no limit)")
    high = Nullable(Float(), help="The largest number accepted (None: no limit)")
    step = Nullable(Float(low=0), default=1,
                    help="What the arrows add or take away (None: any number)")

    def validate_client(self, attr: str, value: Any) -> None:
        if value is None:
            return
        if (self.low is not None and value < self.low) or (
                self.high is not None and value > self.high):
            raise ValueError(f"NumberInput.value: {value} is outside [{self.low}, {self.high}]")


class _Options(Property[list[Any]]):
    """Choices: strings, or (value, label) pairs."""

    type_name = "list[str | (str, str)]"

    def validate(self, value: Any) -> list[Any]:
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            raise TypeError(f"expected a list of options, got {value!r:.60}")
        options: list[Any] = []
        for item in value:
            if isinstance(item, str):
                options.append(item)
            elif (isinstance(item, (tuple, list)) and len(item) == 2
                  and all(isinstance(x, str) for x in item)):
                options.append([item[0], item[1]])
            else:
                raise TypeError(f"an option must be a str or a (value, label) pair, got {item!r}")
        return options


def _option_values(options: list[Any]) -> list[str]:
    return [o if isinstance(o, str) else o[0] for o in options]


class Select(Input):
    """One choice from a drop-down list.

    >>> Select(title="Colour", options=["red", "green"], value="red").value
    'red'
    """

    title = String("", help="The label above the list")
    options = _Options([], help="The choices: values, or (value, label) pairs")
    value = String("", settable=True,
                   help="The chosen option's value (default: the first option's)")

    def __init__(self, **kwargs: Any) -> None:
        if "value" not in kwargs and kwargs.get("options"):  # what the page shows anyway
            options = self.__properties__["options"].check(self, kwargs["options"])
            kwargs["value"] = _option_values(options)[0]
        super().__init__(**kwargs)

    def validate_client(self, attr: str, value: Any) -> None:
        values = _option_values(self.options)
        if value not in values and (value or values):  # '' only while there are no options
            raise ValueError(f"Select.value: {value!r} is not one of the options")


class MultiSelect(Input):
    """Several choices from a list.

    >>> MultiSelect(options=["a", "b", "c"], value=["a"]).value
    ['a']
    """

    title = String("", help="The label above the list")
    options = _Options([], help="The choices: values, or (value, label) pairs")
    value = List(String(), settable=True, help="The chosen options' values")
    size = Int(4, low=1, help="Visible rows of the list")

    def validate_client(self, attr: str, value: Any) -> None:
        unknown = set(value) - set(_option_values(self.options))
        if unknown:
            raise ValueError(f"MultiSelect.value: {sorted(unknown)!r} are not options")


class RadioGroup(Input):
    """One of several labelled radio buttons; `active` is the chosen index.

    >>> RadioGroup(labels=["Small", "Large"], active=0).active
    0
    """

    title = String("", help="The label above the buttons")
    labels = List(String(), help="One radio button each")
    active = Nullable(Int(low=0), settable=True,
                      help="The chosen button's index (None: none chosen)")
    inline = Bool(False, help="Lay the buttons out in a row")

    def validate_client(self, attr: str, value: Any) -> None:
        if value is not None and value >= len(self.labels):
            raise ValueError(f"RadioGroup.active: no option {value}")


class _IsoDate(Property[str]):
    type_name = "date (YYYY-MM-DD)"

    def validate(self, value: Any) -> str:
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        if not isinstance(value, str):
            raise TypeError(f"expected a date or 'YYYY-MM-DD', got {value!r:.60}")
        return dt.date.fromisoformat(value).isoformat()


class DatePicker(Input):
    """A calendar date; `value` is an ISO string 'YYYY-MM-DD' (or None).

    >>> import datetime
    >>> DatePicker(value=datetime.date(2024, 5, 1)).value
    '2024-05-01'
    """

    title = String("", help="The label above the box")
    value = Nullable(_IsoDate(), settable=True,
                     help="The date, 'YYYY-MM-DD' (a date may be assigned)")
    min_date = Nullable(_IsoDate(), help="The earliest date accepted")
    max_date = Nullable(_IsoDate(), help="The latest date accepted")

    def validate_client(self, attr: str, value: Any) -> None:
        if value is None:
            return
        if (self.min_date and value < self.min_date) or (self.max_date and value > self.max_date):
            raise ValueError(f"DatePicker.value: {value} is outside the allowed dates")


class FileInput(Input):
    """A file chosen by the user. Its bytes reach Python:

    >>> f = FileInput(title="Upload CSV", accept=".csv")
    >>> f.on_upload(lambda filename, content, mime_type: print(filename, len(content)))

    `max_size` (bytes) is checked in the page and again on the server; the
    websocket's `--websocket-max-message-size` bounds it too.
    """

    __events__ = ("upload",)
    title = String("", help="The label above the picker")
    accept = String("", help="File types offered, e.g. '.csv,text/plain'")
    multiple = Bool(False, help="Allow several files at once")
    filename = Nullable(String(), help="The last uploaded file's name")
    mime_type = Nullable(String(), help="The last uploaded file's type")
    max_size = Int(10 * 1024 * 1024, low=0, help="The largest file accepted, in bytes")
    value: bytes | None = None  # the last file's bytes; kept in Python, never sent back

    def on_upload(self, callback: EventCallback) -> None:
        """`callback(filename, content, mime_type)` for each uploaded file."""
        @functools.wraps(callback)  # an error is reported under the app's callback's name
        def uploaded(event: Event) -> Any:
            return callback(event.data["filename"], event.data["content"],
                            event.data["mime_type"])

        self.on_event("upload", uploaded)

    def client_event(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        filename, mime, content = data.get("filename"), data.get("mime_type", ""), data.get(
            "content")
        if not isinstance(filename, str) or not isinstance(mime, str) or not isinstance(
                content, str):
            raise ValueError("FileInput upload needs string filename, mime_type and content")
        try:
            raw = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("FileInput upload content is not valid base64") from None
        if len(raw) > self.max_size:
            raise ValueError(f"FileInput: {filename} is {len(raw)} bytes, over max_size "
                             f"{self.max_size}")
        self.value = raw
        self.mime_type = mime
        self.filename = filename
        return {"filename": filename, "mime_type": mime, "content": raw}


__all__ = ["Button", "Checkbox", "DatePicker", "FileInput", "MultiSelect",
           "NumberInput", "RadioGroup", "RangeSlider", "Select", "Slider", "TextArea",
           "TextInput", "Toggle"]
