"""Models that arrange other models: `Column`, `Row`, `Tabs`, `Card`."""

from __future__ import annotations

from typing import Any

from aioserve.document.model import Model, Widget
from aioserve.document.properties import Bool, Instance, Int, List, String


def _children() -> List[Model]:
    return List(Instance(Widget), help="The models inside, in order")


class Column(Widget):
    """Children stacked top to bottom.

    >>> from aioserve.models import Div
    >>> len(Column(Div(), Div()).children)
    2
    """

    children = _children()
    gap = Int(12, low=0, help="Space between children, in pixels")

    def __init__(self, *children: Widget, **kwargs: Any) -> None:
        if children:
            kwargs["children"] = list(children)
        super().__init__(**kwargs)


class Row(Column):
    """Children side by side, wrapping on narrow screens.

    >>> from aioserve.models import Button
    >>> Row(Button(label="a"), Button(label="b")).gap
    12
    """


class Tabs(Widget):
    """One child shown at a time, chosen by its tab.

    >>> from aioserve.models import Div
    >>> tabs = Tabs(("One", Div(text="1")), ("Two", Div(text="2")))
    >>> tabs.titles, tabs.active
    (['One', 'Two'], 0)
    """

    titles = List(String(), help="One title per tab")
    children = _children()
    active = Int(0, low=0, settable=True, help="Index of the shown tab")

    def __init__(self, *tabs: tuple[str, Widget], **kwargs: Any) -> None:
        if tabs:
            kwargs["titles"] = [title for title, _ in tabs]
            kwargs["children"] = [child for _, child in tabs]
        super().__init__(**kwargs)

    def validate_client(self, attr: str, value: Any) -> None:
        # 0 stands for "the first tab" before any tab exists.
        if attr == "active" and value >= max(1, len(self.children)):
            raise ValueError(f"Tabs.active: no tab {value}")


class Card(Column):
    """A titled panel, collapsible by the user.

    >>> from aioserve.models import Div
    >>> Card(Div(text="inside"), title="Details").collapsed
    False
    """

    title = String("", help="Shown in the card's header")
    collapsed = Bool(False, settable=True, help="True while the body is hidden")
    collapsible = Bool(True, help="Let the user collapse it")
