"""The models an app builds its document from."""

from aioserve.models.charts import Chart
from aioserve.models.inputs import (
    Button,
    Checkbox,
    DatePicker,
    FileInput,
    MultiSelect,
    NumberInput,
    RadioGroup,
    RangeSlider,
    Select,
    Slider,
    TextArea,
    TextInput,
    Toggle,
)
from aioserve.models.layouts import Card, Column, Row, Tabs
from aioserve.models.markup import Div, Markdown
from aioserve.models.panes import Pane
from aioserve.models.sources import ColumnDataSource
from aioserve.models.tables import DataTable

__all__ = [
    "Button", "Card", "Chart", "Checkbox", "Column", "ColumnDataSource", "DataTable",
    "DatePicker", "Div", "FileInput", "Markdown", "MultiSelect", "NumberInput", "Pane",
    "RadioGroup", "RangeSlider", "Row", "Select", "Slider", "Tabs", "TextArea", "TextInput",
    "Toggle",
]
